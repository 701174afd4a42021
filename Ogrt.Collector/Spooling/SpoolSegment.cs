using System.Buffers.Binary;
using System.IO.Hashing;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// One segment file of a spool: an 8-byte header ("OGRTSPL" and a format version), then frames
/// of a little-endian int32 payload length, the payload's CRC-32 and the payload (one record,
/// as <see cref="SpoolRecordCodec"/> encodes it).
/// Records are appended at the end and read from the front; the file is deleted once read.
/// </summary>
internal sealed class SpoolSegment : IDisposable
{
    /// <summary>The version new segments are written in; older ones are read if the codec can (the header's last byte).</summary>
    public const byte FormatVersion = SpoolRecordCodec.FormatVersion;
    public const string Extension = ".spool";
    public const int HeaderLength = 8;
    public const int FrameHeaderLength = 8;

    /// <summary>Far above any real record (a datagram is at most 64 KiB); a larger length is damage.</summary>
    public const int MaxPayloadLength = 16 << 20;

    private static readonly byte[] Header = [(byte)'O', (byte)'G', (byte)'R', (byte)'T', (byte)'S', (byte)'P', (byte)'L', FormatVersion];

    private FileStream? _append;
    private FileStream? _read;
    private byte[] _readBuffer = [];

    private SpoolSegment(string path, long sequence, long records, long recordBytes, long fileBytes, byte formatVersion = FormatVersion)
    {
        RecordFormat = formatVersion;
        Path = path;
        Sequence = sequence;
        UnreadRecords = records;
        UnreadBytes = recordBytes;
        FileBytes = fileBytes;
    }

    public string Path { get; }

    /// <summary>The format version of the records in this file (an older one is upgraded by <see cref="Recover"/>).</summary>
    public byte RecordFormat { get; }

    /// <summary>Orders the segments of a spool: lower is older.</summary>
    public long Sequence { get; }

    public long UnreadRecords { get; private set; }

    /// <summary>Bytes of the frames not read yet (what the spool's MaxBytes bounds).</summary>
    public long UnreadBytes { get; private set; }

    /// <summary>The file's size on disk.</summary>
    public long FileBytes { get; private set; }

    /// <summary>Some records were read already: replaying the file again would repeat them.</summary>
    public bool PartlyRead { get; private set; }

    public bool IsAppendable => _append is not null;

    public static string FileName(long sequence) => sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + Extension;

    /// <summary>Creates a new, empty segment open for appending.</summary>
    public static SpoolSegment Create(string directory, long sequence)
    {
        string path = System.IO.Path.Combine(directory, FileName(sequence));
        var append = PrivateFiles.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        try
        {
            append.Write(Header);
        }
        catch
        {
            append.Dispose();
            File.Delete(path);
            throw;
        }
        return new SpoolSegment(path, sequence, 0, 0, HeaderLength) { _append = append };
    }

    /// <summary>
    /// Opens a segment left by an earlier run, counting its records. A truncated or damaged
    /// tail (a crash in the middle of a write) is cut off; <paramref name="corruptBytes"/> says
    /// how much. Returns null, with the whole file counted as corrupt, if the file is not a
    /// segment of a format the codec reads; the caller moves it aside. A segment of an older
    /// format is rewritten in the current one first (<see cref="SpoolSegmentUpgrade"/>).
    /// </summary>
    public static SpoolSegment? Recover(string path, long sequence, out long corruptBytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 1 << 16);
        long length = file.Length;
        Span<byte> header = stackalloc byte[HeaderLength];
        if (length < HeaderLength || file.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false) < HeaderLength 
            || !header[..^1].SequenceEqual(Header.AsSpan(0, HeaderLength - 1)) || !SpoolRecordCodec.CanRead(header[^1]))
        {
            corruptBytes = length;
            return null;
        }

        long records = 0;
        long position = HeaderLength;
        Span<byte> frameHeader = stackalloc byte[FrameHeaderLength];
        while (position + FrameHeaderLength <= length)
        {
            file.Position = position;
            file.ReadExactly(frameHeader);
            int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(frameHeader);
            if (payloadLength <= 0 || payloadLength > MaxPayloadLength || position + FrameHeaderLength + payloadLength > length)
                break;
            position += FrameHeaderLength + payloadLength;
            records++;
        }
        // Only lengths are checked here; each payload's CRC is checked when it is read.
        corruptBytes = length - position;
        if (corruptBytes > 0)
            file.SetLength(position);
        var segment = new SpoolSegment(path, sequence, records, position - HeaderLength, position, header[^1]);
        if (segment.RecordFormat == FormatVersion)
            return segment;
        file.Dispose();
        corruptBytes += SpoolSegmentUpgrade.Rewrite(segment, Header);
        return Recover(path, sequence, out long rewrittenCorrupt) is { } upgraded && rewrittenCorrupt == 0
            ? upgraded
            : throw new InvalidDataException($"{path}: the upgraded segment does not read back");
    }

    /// <summary>Appends one frame (header and payload, as <see cref="EncodeFrame"/> builds it).</summary>
    public void Append(ReadOnlySpan<byte> frame)
    {
        if (_append is null)
            throw new InvalidOperationException("The segment is sealed.");
        // One write call per record: a reader sees whole frames, and a crash of the process
        // leaves every appended record with the kernel.
        _append.Write(frame);
        UnreadRecords++;
        UnreadBytes += frame.Length;
        FileBytes += frame.Length;
    }

    /// <summary>Stops appending and makes the file durable.</summary>
    public void Seal()
    {
        if (_append is null)
            return;
        try
        {
            _append.Flush(flushToDisk: true);
        }
        finally
        {
            _append.Dispose();
            _append = null;
        }
    }

    /// <summary>
    /// Reads the next record's payload. Only called while <see cref="UnreadRecords"/> is
    /// positive, so a short read or a CRC mismatch means the file was damaged.
    /// </summary>
    public ReadOnlyMemory<byte> ReadNext()
    {
        if (UnreadRecords == 0)
            throw new InvalidOperationException("Every record of the segment was read.");
        if (_read is null)
        {
            _read = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 16);
            _read.Position = HeaderLength;
        }
        Span<byte> frameHeader = stackalloc byte[FrameHeaderLength];
        _read.ReadExactly(frameHeader);
        int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(frameHeader);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(frameHeader[4..]);
        if (payloadLength <= 0 || payloadLength > MaxPayloadLength)
            throw new InvalidDataException($"a frame declares {payloadLength} bytes");
        if (_readBuffer.Length < payloadLength)
            _readBuffer = new byte[Math.Max(payloadLength, 4096)];
        var payload = _readBuffer.AsMemory(0, payloadLength);
        _read.ReadExactly(payload.Span);
        if (Crc32.HashToUInt32(payload.Span) != crc)
            throw new InvalidDataException("a frame's CRC does not match");
        UnreadRecords--;
        UnreadBytes -= FrameHeaderLength + payloadLength;
        PartlyRead = true;
        return payload;
    }

    /// <summary>Gives up on the records not read yet (after damage); returns how many they were.</summary>
    public long Abandon()
    {
        long lost = UnreadRecords;
        UnreadRecords = 0;
        UnreadBytes = 0;
        return lost;
    }

    /// <summary>Fills in the frame header in front of a payload written at offset <see cref="FrameHeaderLength"/>.</summary>
    public static void EncodeFrame(Span<byte> frame)
    {
        var payload = frame[FrameHeaderLength..];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32.HashToUInt32(payload));
    }

    /// <summary>Closes the file and deletes it.</summary>
    public void Delete()
    {
        Dispose();
        File.Delete(Path);
    }

    public void Dispose()
    {
        Seal();
        _read?.Dispose();
        _read = null;
    }
}
