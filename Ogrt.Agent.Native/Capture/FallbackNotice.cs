using System.Buffers.Binary;
using Ogrt.Agent.Interop;

namespace Ogrt.Agent.Capture;

/// <summary>
/// Tells the node capture service that a process it never saw was captured here: the gate
/// found the service's socket full. The service counts these (<c>fallbacks</c>), so an operator
/// learns that the queue is too short (net.unix.max_dgram_qlen) for the node's bursts.
/// </summary>
internal static unsafe class FallbackNotice
{
    private const int HeaderLength = 32;
    private const uint Magic = 0x4f475254;
    private const ushort Version = 1;
    private const ushort FlagFallbackNotice = 0x2;
    private const int SockaddrUnPathLength = 108;
    private const int MsgDontWait = 0x40;
    private const int Attempts = 20;

    /// <param name="socketPath">OGRT_AGENT_SOCKET as the process had it; empty means the default.</param>
    public static void Send(ReadOnlySpan<byte> socketPath)
    {
        if (socketPath.IsEmpty)
            socketPath = "/run/ogrt/agent.sock"u8;
        if (socketPath.Length >= SockaddrUnPathLength)
            return;
        Span<byte> address = stackalloc byte[2 + SockaddrUnPathLength];
        address.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(address, (ushort)Libc.AF_UNIX);
        socketPath.CopyTo(address[2..]);
        Span<byte> notice = stackalloc byte[HeaderLength];
        notice.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(notice, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(notice[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(notice[6..], FlagFallbackNotice);

        int socket = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (socket < 0)
            return;
        fixed (byte* target = address)
        fixed (byte* payload = notice)
        {
            // The queue was full a moment ago: retry for up to a second (the capture process's
            // watchdog bounds it anyway), then give up: this is only a statistic.
            for (int attempt = 0; attempt < Attempts; attempt++)
            {
                if (Libc.sendto(socket, payload, HeaderLength, MsgDontWait, target, (uint)(2 + socketPath.Length + 1)) == HeaderLength)
                    break;
                Thread.Sleep(50);
            }
        }
        Libc.close(socket);
    }
}
