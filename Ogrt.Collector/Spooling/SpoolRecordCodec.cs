using System.Text;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// A record in a spool segment: the datagram as the agent sent it (re-encoded from the record,
/// field for field) behind the arrival metadata the collector adds — received-at and source
/// address — so a spooled record is read by the same <see cref="RecordReader"/> as a live one
/// and the spool has no record format of its own. <see cref="FormatVersion"/> 1 segments (every
/// field in a fixed order, before end records existed) are still read, by <see cref="LegacySpoolRecordReader"/>.
/// </summary>
public static class SpoolRecordCodec
{
    /// <summary>The format segments are written in: 2 = arrival metadata + datagram.</summary>
    public const byte FormatVersion = 2;

    // Replaces rather than throws: the frame's CRC, not the text, is what detects damage.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    // Records are read back by the output workers; a small string table per thread suffices.
    [ThreadStatic]
    private static RecordReader? t_reader;

    /// <summary>Whether segments of this format version can be read.</summary>
    public static bool CanRead(byte formatVersion) => formatVersion is LegacySpoolRecordReader.FormatVersion or FormatVersion;

    /// <summary>Creates a writer the codec can use; the stream stays open.</summary>
    public static BinaryWriter CreateWriter(Stream stream) => new(stream, Utf8, leaveOpen: true);

    /// <summary>Creates a reader the codec can use; the stream stays open.</summary>
    public static BinaryReader CreateReader(Stream stream) => new(stream, Utf8, leaveOpen: true);

    public static void Write(BinaryWriter writer, ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(record);
        writer.Write(record.ReceivedAt.UtcTicks);
        writer.Write((short)record.ReceivedAt.Offset.TotalMinutes);
        writer.Write(record.SourceAddress is not null);
        if (record.SourceAddress is not null)
            writer.Write(record.SourceAddress);
        byte[] datagram = RecordEncoder.ToDatagram(record);
        writer.Write7BitEncodedInt(datagram.Length);
        writer.Write(datagram);
    }

    /// <summary>Reads one record of a segment of <paramref name="formatVersion"/>; throws <see cref="InvalidDataException"/> if the bytes are not one.</summary>
    public static ProcessRecord Read(BinaryReader reader, byte formatVersion = FormatVersion)
    {
        ArgumentNullException.ThrowIfNull(reader);
        t_reader ??= new RecordReader(stringTableCapacity: 1024);
        try
        {
            return formatVersion switch
            {
                FormatVersion => ReadRecord(reader, t_reader),
                LegacySpoolRecordReader.FormatVersion => LegacySpoolRecordReader.Read(reader, t_reader),
                _ => throw new InvalidDataException($"spool format version {formatVersion} is not one this collector reads"),
            };
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"not a spooled record: {e.Message}", e);
        }
    }

    private static ProcessRecord ReadRecord(BinaryReader reader, RecordReader records)
    {
        var receivedAt = ReadTimestamp(reader);
        string? source = reader.ReadBoolean() ? reader.ReadString() : null;
        int length = reader.Read7BitEncodedInt();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new InvalidDataException($"not a spooled record: a datagram of {length} bytes");
        return records.Read(reader.ReadBytes(length), receivedAt, source);
    }

    internal static DateTimeOffset ReadTimestamp(BinaryReader reader)
    {
        long utcTicks = reader.ReadInt64();
        var offset = TimeSpan.FromMinutes(reader.ReadInt16());
        return new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(offset);
    }
}
