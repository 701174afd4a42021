using System.Buffers;
using System.Net;

namespace Ogrt.Collector.Receiving;

/// <summary>
/// One datagram on its way from the socket to decoding, in a buffer of the receive path's own
/// pool (<see cref="CopyOf"/>); whoever consumes the datagram calls <see cref="Return"/>.
/// </summary>
public readonly record struct ReceivedDatagram(byte[] Buffer, int Length, IPAddress? Source, DateTimeOffset ReceivedAt)
{
    /// <summary>Datagrams up to this size (agents send a few KiB) get pooled buffers; larger ones are rare and allocated.</summary>
    private const int LargestPooled = 16 * 1024;

    /// <summary>
    /// Enough for the datagrams between socket and decoder under load. The shared pool keeps only
    /// 32 buffers of a size per core, so a backlog of a few hundred datagrams made every further
    /// one a new 8 KiB array; held when idle: at most this many per power-of-two size up to
    /// <see cref="LargestPooled"/> (8 MiB for the 5.5 KB datagrams of an MPI job).
    /// </summary>
    private const int BuffersPerSize = 1024;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(LargestPooled, BuffersPerSize);

    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    /// <summary>A datagram holding a copy of <paramref name="payload"/>.</summary>
    public static ReceivedDatagram CopyOf(ReadOnlySpan<byte> payload, IPAddress? source, DateTimeOffset receivedAt)
    {
        var buffer = payload.Length <= LargestPooled
            ? Pool.Rent(Math.Max(payload.Length, 1))
            : GC.AllocateUninitializedArray<byte>(payload.Length);
        payload.CopyTo(buffer);
        return new ReceivedDatagram(buffer, payload.Length, source, receivedAt);
    }

    public void Return()
    {
        if (Buffer.Length <= LargestPooled)
            Pool.Return(Buffer);
    }
}
