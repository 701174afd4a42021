using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File;

/// <summary>
/// A reusable buffer that collects one batch as JSON Lines before it is appended to the file
/// in one write. Its memory comes from <see cref="ArrayPool{T}"/> and it keeps one
/// <see cref="Utf8JsonWriter"/> for its whole life, so a batch in steady state allocates nothing.
/// </summary>
internal sealed class JsonLinesBuffer : IBufferWriter<byte>, IDisposable
{
    private const int InitialCapacity = 64 * 1024;

    private readonly Utf8JsonWriter _writer;
    private byte[] _buffer;
    private int _length;

    public JsonLinesBuffer()
    {
        _buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
        _writer = new Utf8JsonWriter(this, ProcessRecordJson.WriterOptions);
    }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public int Capacity => _buffer.Length;

    /// <summary>
    /// Appends the record as one line. A record that cannot be serialized leaves the buffer as it
    /// was and reports why, so one bad record never tears a line or fails its batch.
    /// </summary>
    public bool TryAppend(ProcessRecord record, [NotNullWhen(false)] out Exception? error)
    {
        var lineStart = _length;
        try
        {
            ProcessRecordJson.Write(_writer, record);
            _writer.Flush();
            GetSpan(1)[0] = (byte)'\n';
            Advance(1);
            error = null;
            return true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _length = lineStart;
            error = exception;
            return false;
        }
        finally
        {
            // Each line is a new top-level value: without a reset the writer would put a ','
            // between records; after a failure it drops what it still had pending.
            _writer.Reset();
        }
    }

    public void Clear() => _length = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _buffer.Length - _length)
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_length);
    }

    public void Dispose()
    {
        _writer.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    private void EnsureFree(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _length >= needed)
            return;
        var newSize = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_length + needed));
        if (newSize - _length < needed)
            throw new OutOfMemoryException("A batch does not fit in one buffer.");
        var larger = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
