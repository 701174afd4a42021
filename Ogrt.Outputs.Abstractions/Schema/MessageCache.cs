using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// Nested messages already read, by their encoded bytes: records of one cluster repeat the same
/// library with the same watermark and the same module, which arrive as the same bytes, so a
/// repeat costs a hash and a span compare and is the same <see cref="RecordMessage"/> instance
/// rather than a decode and a new object. Equal bytes always decode to an equal message, so
/// only messages that were read successfully are kept.
/// </summary>
/// <remarks>
/// A <see cref="ByteKeyedCache{TValue}"/>; messages longer than
/// <see cref="StringTable.MaxPooledLength"/> bytes are not kept, which bounds the memory held.
/// Not thread-safe: one cache per decoding thread.
/// </remarks>
internal sealed class MessageCache
{
    /// <summary>The most slots a cache has: 4096 messages of at most 512 bytes hold at most 2 MiB.</summary>
    public const int MaxCapacity = 4096;

    private readonly ByteKeyedCache<RecordMessage> _messages;

    /// <param name="capacity">Slots, a power of two up to <see cref="MaxCapacity"/>.</param>
    public MessageCache(int capacity)
    {
        if (capacity > MaxCapacity)
            throw new ArgumentOutOfRangeException(nameof(capacity), $"at most {MaxCapacity}");
        _messages = new ByteKeyedCache<RecordMessage>(capacity);
    }

    /// <summary>Whether a message of this many bytes is kept; read it with <see cref="TryGet"/> and <see cref="Add"/> then.</summary>
    public static bool Keeps(int length) => length <= StringTable.MaxPooledLength;

    /// <summary>The message read before from these bytes; otherwise false, with the hash to pass to <see cref="Add"/>.</summary>
    public bool TryGet(ReadOnlySpan<byte> encoded, out int hash, [NotNullWhen(true)] out RecordMessage? message)
    {
        hash = Hash(encoded);
        return _messages.TryGet(encoded, hash, out message);
    }

    public void Add(int hash, ReadOnlySpan<byte> encoded, RecordMessage message) => _messages.Add(encoded, hash, message);

    /// <summary>
    /// A hash of every byte, folded 8 at a time: unlike a single text (<see cref="StringTable"/>
    /// samples three places), a message is several values, and two libraries can differ only
    /// inside the path while their watermarks end alike. Equal bytes are compared after.
    /// </summary>
    internal static int Hash(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length < sizeof(ulong))
            return StringTable.Hash(encoded);
        ulong folded = (ulong)encoded.Length;
        foreach (ulong word in MemoryMarshal.Cast<byte, ulong>(encoded))
            folded = BitOperations.RotateLeft(folded, 7) ^ word;
        return HashCode.Combine(folded, BinaryPrimitives.ReadUInt64LittleEndian(encoded[^sizeof(ulong)..]));
    }
}
