using System.Collections;
using Google.Protobuf.Reflection;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// Reads records of spool format version 1 (collectors before end records), so that a spool
/// left by an upgraded collector is still delivered: the values are set on a ProcessInfo by
/// field number, framed, and read like any datagram.
/// </summary>
internal static class LegacySpoolRecordReader
{
    public const byte FormatVersion = 1;

    private enum Encoding
    {
        Text,            // 7-bit-length-prefixed UTF-8
        OptionalText,    // a presence byte, then Text if present
        Int32,
        Int64,
        OptionalUInt32,  // a presence byte, then the value always
        OptionalInt64,
        Bool,
        Texts,           // a 7-bit count, then Text each
        SharedObjects,   // a 7-bit count, then Text path and OptionalText signature each
        Modules,         // a 7-bit count, then Text name each
    }

    // The version 1 layout, frozen: ProcessInfo's fields as they were, in the order written.
    private static readonly (int Number, Encoding Encoding)[] Layout =
    [
        (300, Encoding.Text), (301, Encoding.Int32), (302, Encoding.Int32), (303, Encoding.Int64),
        (304, Encoding.OptionalText), (305, Encoding.OptionalText), (306, Encoding.OptionalText), (307, Encoding.OptionalText), (308, Encoding.OptionalText),
        (309, Encoding.Texts), (310, Encoding.Texts), (311, Encoding.SharedObjects), (312, Encoding.Modules),
        (1000, Encoding.OptionalUInt32), (1001, Encoding.OptionalUInt32), (1002, Encoding.OptionalText), (1003, Encoding.OptionalInt64),
        (1004, Encoding.OptionalText), (1005, Encoding.Bool),
    ];

    public static ProcessRecord Read(BinaryReader reader, RecordReader records)
    {
        var info = new ProcessInfo();
        foreach (var (number, encoding) in Layout)
        {
            var field = ProcessInfo.Descriptor.FindFieldByNumber(number);
            if (ReadValue(reader, encoding) is { } value)
                Set(info, field, value);
        }
        var receivedAt = SpoolRecordCodec.ReadTimestamp(reader);
        string? source = ReadOptionalText(reader);
        return records.Read(MessageFrame.Encode(info), receivedAt, source);
    }

    private static object? ReadValue(BinaryReader reader, Encoding encoding)
    {
        switch (encoding)
        {
            case Encoding.Text: return reader.ReadString();
            case Encoding.OptionalText: return ReadOptionalText(reader);
            case Encoding.Int32: return reader.ReadInt32();
            case Encoding.Int64: return reader.ReadInt64();
            case Encoding.OptionalUInt32:
            {
                bool present = reader.ReadBoolean();
                uint value = reader.ReadUInt32();
                return present ? value : null;
            }
            case Encoding.OptionalInt64:
            {
                bool present = reader.ReadBoolean();
                long value = reader.ReadInt64();
                return present ? value : null;
            }
            case Encoding.Bool: return reader.ReadBoolean() ? true : null;
            case Encoding.Texts: return ReadList(reader, r => r.ReadString());
            case Encoding.SharedObjects: return ReadList(reader, ReadSharedObject);
            default: return ReadList(reader, r => new Module { Name = r.ReadString() });
        }
    }

    private static void Set(ProcessInfo info, FieldDescriptor field, object value)
    {
        if (!field.IsRepeated)
        {
            field.Accessor.SetValue(info, value);
            return;
        }
        var list = (IList)field.Accessor.GetValue(info);
        foreach (object element in (IEnumerable)value)
            list.Add(element);
    }

    private static SharedObject ReadSharedObject(BinaryReader reader)
    {
        var sharedObject = new SharedObject { Path = reader.ReadString() };
        if (ReadOptionalText(reader) is { } signature)
            sharedObject.Signature = signature;
        return sharedObject;
    }

    private static string? ReadOptionalText(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;

    private static List<T> ReadList<T>(BinaryReader reader, Func<BinaryReader, T> read)
    {
        int count = reader.Read7BitEncodedInt();
        // Every element takes at least one byte, so a larger count is damage, not a big record.
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new InvalidDataException($"not a spooled record: a list of {count} elements");
        var values = new List<T>(count);
        for (int i = 0; i < count; i++)
            values.Add(read(reader));
        return values;
    }
}
