using System.Diagnostics.CodeAnalysis;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// Whole repeated fields already read, by the encoded bytes of their run of entries: a program
/// run again loads the same libraries in the same order, and the processes of a job or a build
/// share one environment, so a repeat costs one hash of the run and one span compare instead of
/// a lookup per element, and the records share one array (and its JSON).
/// </summary>
/// <remarks>
/// A <see cref="ByteKeyedCache{TValue}"/> of <see cref="Capacity"/> slots holding runs of at most
/// <see cref="MaxRunBytes"/> and <see cref="MaxRunEntries"/>: at most 8 MiB of keys and, against
/// hostile input (runs of a thousand tiny distinct entries), a few tens of MiB of values; a
/// cluster's link maps and environments take a few MiB. A run is kept only when its hash comes back
/// (<see cref="Admits"/>): lists that never repeat (each MPI rank's environment differs in a few
/// variables) cost one integer written, not a copy of their bytes. Not thread-safe: one cache per
/// decoding thread and message type.
/// </remarks>
internal sealed class ListCache
{
    public const int Capacity = 512;

    /// <summary>Longer runs are not kept: 512 of them hold 8 MiB.</summary>
    public const int MaxRunBytes = 16 * 1024;

    /// <summary>Runs of more entries are not kept: an environment or a link map has a few hundred.</summary>
    public const int MaxRunEntries = 1024;

    private readonly ByteKeyedCache<SharedList> _lists = new(Capacity);
    private readonly int[] _recentHashes = new int[Capacity * 4];

    public bool TryGet(ReadOnlySpan<byte> run, out int hash, [NotNullWhen(true)] out SharedList? list)
    {
        hash = MessageCache.Hash(run);
        return _lists.TryGet(run, hash, out list);
    }

    /// <summary>
    /// Whether a run that missed is worth keeping: its hash was seen recently. Remembers the hash
    /// otherwise, so the second sighting is kept.
    /// </summary>
    public bool Admits(int hash)
    {
        ref int recent = ref _recentHashes[(uint)hash % (uint)_recentHashes.Length];
        if (recent == hash)
            return true;
        recent = hash;
        return false;
    }

    public void Add(ReadOnlySpan<byte> run, int hash, SharedList list) => _lists.Add(run, hash, list);
}
