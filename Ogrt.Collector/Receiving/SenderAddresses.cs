using System.Buffers.Binary;
using System.Net;

namespace Ogrt.Collector.Receiving;

/// <summary>
/// Turns the <c>sockaddr</c> of a received datagram into its sender's <see cref="IPAddress"/>,
/// handing out one shared instance per sender instead of a new object per datagram: a node
/// sends many records, and under load most datagrams come from senders seen just before.
/// Bounded: when it holds <see cref="MaxSenders"/> addresses it starts over.
/// </summary>
internal sealed class SenderAddresses
{
    public const int MaxSenders = 16384;

    // sa_family values of Linux (in host byte order at the start of every sockaddr).
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    private readonly Dictionary<Key, IPAddress> _known = [];

    /// <summary>The sender of a datagram, or null for an address family other than IPv4/IPv6.</summary>
    public IPAddress? Of(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 2)
            return null;
        Key key;
        switch (BitConverter.ToUInt16(sockaddr))
        {
            case AfInet when sockaddr.Length >= 8:
                key = new Key(BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..8]), 0, IsIPv6: false);
                break;
            case AfInet6 when sockaddr.Length >= 28:
                key = new Key(BinaryPrimitives.ReadUInt128BigEndian(sockaddr[8..24]), BitConverter.ToUInt32(sockaddr[24..28]), IsIPv6: true);
                break;
            default:
                return null;
        }
        if (_known.TryGetValue(key, out var known))
            return known;
        if (_known.Count >= MaxSenders)
            _known.Clear();
        var address = key.IsIPv6 ? new IPAddress(sockaddr[8..24], key.ScopeId) : new IPAddress(sockaddr[4..8]);
        _known.Add(key, address);
        return address;
    }

    private readonly record struct Key(UInt128 Address, uint ScopeId, bool IsIPv6);
}
