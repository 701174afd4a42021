using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// One record as a spool frame (<see cref="SpoolSegment"/>'s header and the
/// <see cref="SpoolRecordCodec"/> payload) and back: the only place the spool uses the codec.
/// An instance reuses its buffer, so it is used by one thread at a time.
/// </summary>
internal sealed class SpoolFrames : IDisposable
{
    private readonly MemoryStream _buffer = new();
    private readonly BinaryWriter _writer;
    private ProcessRecord? _lastRecord;
    private byte[] _lastFrame = [];

    public SpoolFrames() => _writer = SpoolRecordCodec.CreateWriter(_buffer);

    /// <summary>
    /// The whole frame, ready for <see cref="ISegmentStore.Append"/>. Asked again for the same
    /// record (an admission that retries), it returns the same frame without encoding again.
    /// </summary>
    public byte[] Encode(ProcessRecord record)
    {
        if (ReferenceEquals(record, _lastRecord))
            return _lastFrame;
        _buffer.SetLength(SpoolSegment.FrameHeaderLength);
        _buffer.Position = SpoolSegment.FrameHeaderLength;
        SpoolRecordCodec.Write(_writer, record);
        _writer.Flush();
        var frame = _buffer.ToArray();
        SpoolSegment.EncodeFrame(frame);
        _lastRecord = record;
        _lastFrame = frame;
        return frame;
    }

    /// <summary>Decodes a frame's payload; throws <see cref="InvalidDataException"/> if it is not a record.</summary>
    public static ProcessRecord Decode(ReadOnlyMemory<byte> payload)
    {
        using var stream = new MemoryStream(payload.ToArray(), writable: false);
        using var reader = SpoolRecordCodec.CreateReader(stream);
        return SpoolRecordCodec.Read(reader);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _buffer.Dispose();
    }
}
