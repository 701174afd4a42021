using System.Buffers;

namespace Ogrt.Outputs.Sdk.Buffers;

/// <summary>
/// A growable byte buffer on pooled arrays for building request bodies. Unlike
/// <see cref="ArrayBufferWriter{T}"/> it can be cut back (<see cref="Truncate"/>), which lets a
/// builder undo an item that overflowed a size limit or rewrite a JSON object's closing brace.
/// </summary>
public sealed class ByteBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;

    public ByteBuffer(int initialCapacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length { get; private set; }

    /// <summary>The size of the array behind the buffer, which grows with the content.</summary>
    public int Capacity => _array.Length;

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, Length);

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, Length);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Length + count > _array.Length)
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsSpan(Length);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }

    /// <summary>Cuts the content back to its first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    public void Clear() => Length = 0;

    public void Dispose()
    {
        var array = _array;
        _array = [];
        Length = 0;
        if (array.Length > 0)
            ArrayPool<byte>.Shared.Return(array);
    }

    /// <summary>
    /// Makes room for at least <paramref name="sizeHint"/> (at least one) more bytes, growing by
    /// doubling; content that could not fit in one array throws <see cref="OutOfMemoryException"/>.
    /// </summary>
    private void Reserve(int sizeHint)
    {
        int required = Math.Max(sizeHint, 1);
        if (_array.Length - Length >= required)
            return;
        long wanted = Math.Max((long)_array.Length * 2, (long)Length + Math.Max(sizeHint, 256));
        int newSize = (int)Math.Min(Array.MaxLength, wanted);
        if (newSize - Length < required)
            throw new OutOfMemoryException("The content does not fit in one buffer.");
        var larger = ArrayPool<byte>.Shared.Rent(newSize);
        _array.AsSpan(0, Length).CopyTo(larger);
        if (_array.Length > 0)
            ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }
}
