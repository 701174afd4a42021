using System.Numerics;
using System.Text;
using Ogrt.Protocol;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// Encodes a record back into the datagram it was read from (same fields and values, in
/// ogrt.proto's order): how the spool stores records, and how tests make datagrams.
/// </summary>
public static class RecordEncoder
{
    /// <summary>The framed datagram (header and ProcessInfo or ProcessEnd payload).</summary>
    public static byte[] ToDatagram(ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        int size = Size(record);
        var datagram = new byte[MessageFrame.HeaderSize + size];
        MessageFrame.WriteHeader(datagram, record.RecordSchema.MessageType, size);
        int position = MessageFrame.HeaderSize;
        Write(record, datagram, ref position);
        return datagram;
    }

    private static int Size(RecordMessage message)
    {
        int size = 0;
        foreach (var field in message.Schema.Fields)
        {
            int tag = VarintSize((uint)field.Number << 3);
            if (!field.HoldsObject)
            {
                if (message.NumberAt(field, out long value))
                    size += tag + VarintSize((ulong)value);
                continue;
            }
            switch (message.ObjectAt(field))
            {
                case string text:
                    size += tag + LengthDelimitedSize(Encoding.UTF8.GetByteCount(text));
                    break;
                case string[] texts:
                    foreach (string text in texts)
                        size += tag + LengthDelimitedSize(Encoding.UTF8.GetByteCount(text));
                    break;
                case RecordMessage[] messages:
                    foreach (var nested in messages)
                        size += tag + LengthDelimitedSize(Size(nested));
                    break;
                case RecordMessage nested:
                    size += tag + LengthDelimitedSize(Size(nested));
                    break;
            }
        }
        return size;
    }

    private static void Write(RecordMessage message, Span<byte> destination, ref int position)
    {
        foreach (var field in message.Schema.Fields)
        {
            ulong tag = ((uint)field.Number << 3) | (uint)field.WireType;
            if (!field.HoldsObject)
            {
                if (message.NumberAt(field, out long value))
                {
                    WriteVarint(destination, ref position, tag);
                    WriteVarint(destination, ref position, (ulong)value);
                }
                continue;
            }
            switch (message.ObjectAt(field))
            {
                case string text:
                    WriteText(destination, ref position, tag, text);
                    break;
                case string[] texts:
                    foreach (string text in texts)
                        WriteText(destination, ref position, tag, text);
                    break;
                case RecordMessage[] messages:
                    foreach (var nested in messages)
                        WriteMessage(destination, ref position, tag, nested);
                    break;
                case RecordMessage nested:
                    WriteMessage(destination, ref position, tag, nested);
                    break;
            }
        }
    }

    private static void WriteText(Span<byte> destination, ref int position, ulong tag, string text)
    {
        WriteVarint(destination, ref position, tag);
        WriteVarint(destination, ref position, (ulong)Encoding.UTF8.GetByteCount(text));
        position += Encoding.UTF8.GetBytes(text, destination[position..]);
    }

    private static void WriteMessage(Span<byte> destination, ref int position, ulong tag, RecordMessage message)
    {
        WriteVarint(destination, ref position, tag);
        WriteVarint(destination, ref position, (ulong)Size(message));
        Write(message, destination, ref position);
    }

    private static void WriteVarint(Span<byte> destination, ref int position, ulong value)
    {
        while (value >= 0x80)
        {
            destination[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[position++] = (byte)value;
    }

    private static int LengthDelimitedSize(int length) => VarintSize((ulong)length) + length;

    private static int VarintSize(ulong value) => Math.Max(1, (64 - BitOperations.LeadingZeroCount(value) + 6) / 7);
}
