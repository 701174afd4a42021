using System.Net;

namespace Ogrt.Collector.Receiving;

/// <summary>
/// One datagram on its way from the socket to decoding, in a buffer of the receive path's own
/// pool (<see cref="CopyOf"/>); whoever consumes the datagram calls <see cref="Return"/>.
/// </summary>
public readonly record struct ReceivedDatagram(byte[] Buffer, int Length, IPAddress? Source, DateTimeOffset ReceivedAt)
{
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    /// <summary>The memory the datagram holds while it waits: its buffer, at least its length.</summary>
    public int HeldBytes => Buffer.Length;

    /// <summary>A datagram holding a copy of <paramref name="payload"/>.</summary>
    public static ReceivedDatagram CopyOf(ReadOnlySpan<byte> payload, IPAddress? source, DateTimeOffset receivedAt)
    {
        var buffer = DatagramBufferPool.Shared.Rent(payload.Length);
        payload.CopyTo(buffer);
        return new ReceivedDatagram(buffer, payload.Length, source, receivedAt);
    }

    public void Return() => DatagramBufferPool.Shared.Return(Buffer);
}
