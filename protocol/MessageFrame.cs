using Google.Protobuf;
using System.Buffers.Binary;

namespace Ogrt.Protocol;

/// <summary>
/// The 8-byte datagram header of the OGRT wire protocol: message type and payload length,
/// both unsigned 32-bit big endian, followed by the protobuf payload.
/// </summary>
public static class MessageFrame
{
    public const int HeaderSize = 8;

    /// <summary>The largest datagram an agent may send (IPv4 UDP payload limit).</summary>
    public const int MaxDatagramSize = 65507;

    public static void WriteHeader(Span<byte> destination, MessageType type, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)payloadLength);
    }

    /// <summary>Reads the header; false if the buffer is shorter than a header.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> datagram, out uint type, out uint payloadLength)
    {
        if (datagram.Length < HeaderSize)
        {
            type = 0;
            payloadLength = 0;
            return false;
        }
        type = BinaryPrimitives.ReadUInt32BigEndian(datagram);
        payloadLength = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        return true;
    }

    /// <summary>Frames a ProcessInfo as one datagram (header + payload).</summary>
    public static byte[] Encode(ProcessInfo info) => Encode(info, MessageType.ProcessInfoMsg);

    public static byte[] Encode(ProcessEnd end) => Encode(end, MessageType.ProcessEndMsg);

    /// <summary>The datagram of a message: header, then the serialized message.</summary>
    public static byte[] Encode(IMessage message, MessageType type)
    {
        ArgumentNullException.ThrowIfNull(message);
        int size = message.CalculateSize();
        var datagram = new byte[HeaderSize + size];
        WriteHeader(datagram, type, size);
        message.WriteTo(datagram.AsSpan(HeaderSize));
        return datagram;
    }
}
