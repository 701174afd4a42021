using System.Buffers.Binary;
using System.Text;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// Turns UTF-8 field values into strings, returning the same string instance for bytes seen
/// recently. Records of one cluster repeat the same library paths, module names, hosts and
/// environment entries over and over, so most values cost a hash and a compare instead of an
/// allocation, and queued records share their strings instead of each holding copies.
/// </summary>
/// <remarks>
/// A fixed-size, direct-mapped table: a slot keeps the last value that hashed to it, so the
/// memory it holds is bounded and a flood of unique values just replaces entries. Not
/// thread-safe: one table per decoding thread.
/// </remarks>
internal sealed class StringTable
{
    /// <summary>Longer values are rarely repeated (command lines) and are not worth keeping.</summary>
    public const int MaxPooledLength = 512;

    private readonly Entry[] _entries;
    private readonly int _mask;

    public StringTable(int capacity = 16384)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), "must be a power of two");
        _entries = new Entry[capacity];
        _mask = capacity - 1;
    }

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return "";
        if (utf8.Length > MaxPooledLength)
            return Encoding.UTF8.GetString(utf8);

        int hash = Hash(utf8);
        ref var entry = ref _entries[hash & _mask];
        if (entry.Hash == hash && entry.Utf8 is { } bytes && utf8.SequenceEqual(bytes))
            return entry.Value!;

        // Invalid UTF-8 (a path need not be UTF-8 on Linux) becomes U+FFFD rather than losing the record.
        string value = Encoding.UTF8.GetString(utf8);
        entry = new Entry(hash, utf8.ToArray(), value);
        return value;
    }

    /// <summary>
    /// A hash of the length and three 8-byte samples (start, middle, end) rather than every
    /// byte: values differ near their ends (library names, variable values) and a full compare
    /// follows anyway, so a collision only costs a table slot, never a wrong string.
    /// </summary>
    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length < 16)
        {
            var small = default(HashCode);
            small.AddBytes(utf8);
            return small.ToHashCode();
        }
        return HashCode.Combine(
            utf8.Length,
            BinaryPrimitives.ReadUInt64LittleEndian(utf8),
            BinaryPrimitives.ReadUInt64LittleEndian(utf8[((utf8.Length / 2) - 4)..]),
            BinaryPrimitives.ReadUInt64LittleEndian(utf8[^8..]));
    }

    private readonly record struct Entry(int Hash, byte[]? Utf8, string? Value);
}
