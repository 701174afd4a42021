using System.Buffers;
using System.Net;

namespace Ogrt.Collector.Receiving;

/// <summary>
/// One datagram on its way from the socket to decoding. <see cref="Buffer"/> is rented from
/// <see cref="ArrayPool{T}.Shared"/>; whoever consumes the datagram calls <see cref="Return"/>.
/// </summary>
public readonly record struct ReceivedDatagram(byte[] Buffer, int Length, IPAddress? Source, DateTimeOffset ReceivedAt)
{
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}
