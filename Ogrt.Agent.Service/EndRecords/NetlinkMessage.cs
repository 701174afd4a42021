using System.Buffers.Binary;
using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service.EndRecords;

/// <summary>
/// Generic-netlink messages of one request or reply (netlink(7), genetlink): a 16-byte
/// nlmsghdr, a 4-byte genlmsghdr, then attributes (length, type, value, each 4-byte aligned).
/// Everything read is bounds-checked: a short or garbled message yields nothing.
/// </summary>
internal static class NetlinkMessage
{
    private const ushort AttributeTypeMask = 0x3fff;

    /// <summary>Writes a request with one attribute; returns its length.</summary>
    public static int WriteRequest(Span<byte> buffer, ushort family, byte command, ushort flags, uint sequence,
        ushort attribute, ReadOnlySpan<byte> value)
    {
        int attributeLength = Netlink.AttributeHeaderLength + value.Length;
        int length = Netlink.HeaderLength + Netlink.GenericHeaderLength + Align(attributeLength);
        buffer[..length].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[4..], family);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[8..], sequence);
        buffer[Netlink.HeaderLength] = command;
        buffer[Netlink.HeaderLength + 1] = 1; // genetlink version
        var attributeStart = buffer[(Netlink.HeaderLength + Netlink.GenericHeaderLength)..];
        BinaryPrimitives.WriteUInt16LittleEndian(attributeStart, (ushort)attributeLength);
        BinaryPrimitives.WriteUInt16LittleEndian(attributeStart[2..], attribute);
        value.CopyTo(attributeStart[Netlink.AttributeHeaderLength..]);
        return length;
    }

    /// <summary>The message's type (a family id, or NLMSG_ERROR), or 0 when it is too short.</summary>
    public static ushort TypeOf(ReadOnlySpan<byte> message) =>
        message.Length >= Netlink.HeaderLength ? BinaryPrimitives.ReadUInt16LittleEndian(message[4..]) : (ushort)0;

    public static uint SequenceOf(ReadOnlySpan<byte> message) =>
        message.Length >= Netlink.HeaderLength ? BinaryPrimitives.ReadUInt32LittleEndian(message[8..]) : 0;

    /// <summary>The negative errno of an NLMSG_ERROR message (0: an acknowledgement).</summary>
    public static int ErrorOf(ReadOnlySpan<byte> message) =>
        message.Length >= Netlink.HeaderLength + 4 ? BinaryPrimitives.ReadInt32LittleEndian(message[Netlink.HeaderLength..]) : 0;

    /// <summary>The value of a top-level attribute of a generic-netlink message, or empty.</summary>
    public static ReadOnlySpan<byte> Find(ReadOnlySpan<byte> message, ushort attribute)
    {
        int start = Netlink.HeaderLength + Netlink.GenericHeaderLength;
        if (message.Length < start)
            return default;
        int length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(message), (uint)message.Length);
        return length < start ? default : FindAttribute(message[start..length], attribute);
    }

    /// <summary>The value of <paramref name="inner"/> inside the top-level attribute <paramref name="outer"/>.</summary>
    public static ReadOnlySpan<byte> FindNested(ReadOnlySpan<byte> message, ushort outer, ushort inner)
    {
        var nest = Find(message, outer);
        return nest.IsEmpty ? default : FindAttribute(nest, inner);
    }

    private static ReadOnlySpan<byte> FindAttribute(ReadOnlySpan<byte> attributes, ushort type)
    {
        while (attributes.Length >= Netlink.AttributeHeaderLength)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            if (length < Netlink.AttributeHeaderLength || length > attributes.Length)
                return default;
            if ((BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]) & AttributeTypeMask) == type)
                return attributes[Netlink.AttributeHeaderLength..length];
            attributes = attributes[Math.Min(Align(length), attributes.Length)..];
        }
        return default;
    }

    private static int Align(int length) => (length + 3) & ~3;
}
