using System.Diagnostics.CodeAnalysis;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// Values made from bytes (a string, a nested message), found again by those bytes: the
/// decoder's way of turning a repeat into a hash and a span compare instead of an allocation.
/// The caller hashes, as suits its keys, and a hit is always the same bytes, never only the
/// same hash.
/// </summary>
/// <remarks>
/// A fixed number of slots, two per hash holding the newer two values that hashed there: the
/// memory held is bounded and a flood of unique keys just replaces entries, while the few
/// thousand values a cluster repeats rarely evict each other (one slot per hash lost a tenth of
/// them to collisions, over and over). Not thread-safe: one cache per decoding thread.
/// </remarks>
internal sealed class ByteKeyedCache<TValue>
    where TValue : class
{
    private readonly Entry[] _entries;
    private readonly int _mask;

    /// <param name="capacity">Slots, a power of two; at least two are kept.</param>
    public ByteKeyedCache(int capacity)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), "must be a power of two");
        _entries = new Entry[Math.Max(capacity, 2)];
        _mask = _entries.Length - 1;
    }

    public bool TryGet(ReadOnlySpan<byte> key, int hash, [NotNullWhen(true)] out TValue? value)
    {
        int first = FirstSlot(hash);
        for (int slot = first; slot <= first + 1; slot++)
        {
            ref readonly var entry = ref _entries[slot];
            if (entry.Hash == hash && entry.Key is { } bytes && key.SequenceEqual(bytes))
            {
                value = entry.Value!;
                return true;
            }
        }
        value = null;
        return false;
    }

    public void Add(ReadOnlySpan<byte> key, int hash, TValue value)
    {
        int first = FirstSlot(hash);
        _entries[first + 1] = _entries[first]; // The older of the two is forgotten.
        _entries[first] = new Entry(hash, key.ToArray(), value);
    }

    /// <summary>The first of the two slots a hash may occupy.</summary>
    private int FirstSlot(int hash) => hash & _mask & ~1;

    private readonly record struct Entry(int Hash, byte[]? Key, TValue? Value);
}
