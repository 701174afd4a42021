using System.Text;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// The binary form of a <see cref="ProcessRecord"/> in a spool segment: every field in a fixed
/// order, strings as 7-bit-length-prefixed UTF-8, optional values behind a presence byte.
/// A change of this layout needs a new <see cref="SpoolSegment.FormatVersion"/>.
/// </summary>
public static class SpoolRecordCodec
{
    // Replaces rather than throws: the frame's CRC, not the text, is what detects damage.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Creates a writer the codec can use; the stream stays open.</summary>
    public static BinaryWriter CreateWriter(Stream stream) => new(stream, Utf8, leaveOpen: true);

    /// <summary>Creates a reader the codec can use; the stream stays open.</summary>
    public static BinaryReader CreateReader(Stream stream) => new(stream, Utf8, leaveOpen: true);

    public static void Write(BinaryWriter writer, ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(record);
        writer.Write(record.Binpath);
        writer.Write(record.Pid);
        writer.Write(record.ParentPid);
        writer.Write(record.Time);
        WriteOptional(writer, record.Signature);
        WriteOptional(writer, record.JobId);
        WriteOptional(writer, record.Username);
        WriteOptional(writer, record.Hostname);
        WriteOptional(writer, record.Cmdline);
        WriteList(writer, record.EnvironmentVariables);
        WriteList(writer, record.Arguments);
        writer.Write7BitEncodedInt(record.SharedObjects.Count);
        foreach (var sharedObject in record.SharedObjects)
        {
            writer.Write(sharedObject.Path);
            WriteOptional(writer, sharedObject.Signature);
        }
        writer.Write7BitEncodedInt(record.LoadedModules.Count);
        foreach (var module in record.LoadedModules)
            writer.Write(module.Name);
        writer.Write(record.Uid.HasValue);
        writer.Write(record.Uid.GetValueOrDefault());
        writer.Write(record.Gid.HasValue);
        writer.Write(record.Gid.GetValueOrDefault());
        WriteOptional(writer, record.Cwd);
        writer.Write(record.TimeMicroseconds.HasValue);
        writer.Write(record.TimeMicroseconds.GetValueOrDefault());
        WriteOptional(writer, record.AgentVersion);
        writer.Write(record.Truncated);
        writer.Write(record.ReceivedAt.UtcTicks);
        writer.Write((short)record.ReceivedAt.Offset.TotalMinutes);
        WriteOptional(writer, record.SourceAddress);
    }

    /// <summary>Reads one record; throws <see cref="InvalidDataException"/> if the bytes are not one.</summary>
    public static ProcessRecord Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            return ReadFields(reader);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"not a spooled record: {e.Message}", e);
        }
    }

    private static ProcessRecord ReadFields(BinaryReader reader) => new()
    {
        Binpath = reader.ReadString(),
        Pid = reader.ReadInt32(),
        ParentPid = reader.ReadInt32(),
        Time = reader.ReadInt64(),
        Signature = ReadOptional(reader),
        JobId = ReadOptional(reader),
        Username = ReadOptional(reader),
        Hostname = ReadOptional(reader),
        Cmdline = ReadOptional(reader),
        EnvironmentVariables = ReadList(reader, r => r.ReadString()),
        Arguments = ReadList(reader, r => r.ReadString()),
        SharedObjects = ReadList(reader, r => new SharedObjectRecord(r.ReadString(), ReadOptional(r))),
        LoadedModules = ReadList(reader, r => new ModuleRecord(r.ReadString())),
        Uid = ReadOptionalValue(reader, r => r.ReadUInt32()),
        Gid = ReadOptionalValue(reader, r => r.ReadUInt32()),
        Cwd = ReadOptional(reader),
        TimeMicroseconds = ReadOptionalValue(reader, r => r.ReadInt64()),
        AgentVersion = ReadOptional(reader),
        Truncated = reader.ReadBoolean(),
        ReceivedAt = ReadTimestamp(reader),
        SourceAddress = ReadOptional(reader),
    };

    private static DateTimeOffset ReadTimestamp(BinaryReader reader)
    {
        long utcTicks = reader.ReadInt64();
        var offset = TimeSpan.FromMinutes(reader.ReadInt16());
        return new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(offset);
    }

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
            writer.Write(value);
    }

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static T? ReadOptionalValue<T>(BinaryReader reader, Func<BinaryReader, T> read)
        where T : struct
    {
        bool present = reader.ReadBoolean();
        T value = read(reader);
        return present ? value : null;
    }

    private static void WriteList(BinaryWriter writer, IReadOnlyList<string> values)
    {
        writer.Write7BitEncodedInt(values.Count);
        foreach (string value in values)
            writer.Write(value);
    }

    private static T[] ReadList<T>(BinaryReader reader, Func<BinaryReader, T> read)
    {
        int count = reader.Read7BitEncodedInt();
        // Every element takes at least one byte, so a larger count is damage, not a big record.
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new InvalidDataException($"not a spooled record: a list of {count} elements");
        var values = new T[count];
        for (int i = 0; i < values.Length; i++)
            values[i] = read(reader);
        return values;
    }
}
