using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Ogrt.Outputs.Sdk.Buffers;

namespace Ogrt.Outputs.File;

/// <summary>
/// A reusable buffer that collects one batch as JSON Lines before it is appended to the file
/// in one write. Its memory is a pooled <see cref="ByteBuffer"/> and it keeps one
/// <see cref="Utf8JsonWriter"/> for its whole life, so a batch in steady state allocates nothing.
/// </summary>
internal sealed class JsonLinesBuffer : IDisposable
{
    private const int InitialCapacity = 64 * 1024;

    private readonly ByteBuffer _buffer = new(InitialCapacity);
    private readonly Utf8JsonWriter _writer;

    public JsonLinesBuffer()
    {
        _writer = new Utf8JsonWriter(_buffer, ProcessRecordJson.WriterOptions);
    }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public int Capacity => _buffer.Capacity;

    /// <summary>
    /// Appends the record as one line. A record that cannot be serialized leaves the buffer as it
    /// was and reports why, so one bad record never tears a line or fails its batch.
    /// </summary>
    public bool TryAppend(ProcessRecord record, [NotNullWhen(false)] out Exception? error)
    {
        var lineStart = _buffer.Length;
        try
        {
            ProcessRecordJson.Write(_writer, record);
            _writer.Flush();
            _buffer.Write("\n"u8);
            error = null;
            return true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _buffer.Truncate(lineStart);
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

    public void Clear() => _buffer.Clear();

    public void Dispose()
    {
        _writer.Dispose();
        _buffer.Dispose();
    }
}
