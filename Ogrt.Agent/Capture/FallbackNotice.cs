using System.Buffers.Binary;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Capture;

/// <summary>
/// Tells the node capture service that a process it never saw was captured here: the gate
/// found the service's socket full. The service counts these (<c>fallbacks</c>), so an operator
/// learns that the queue is too short (net.unix.max_dgram_qlen) for the node's bursts.
/// </summary>
internal static unsafe class FallbackNotice
{
    private const int MsgDontWait = 0x40;
    private const int Attempts = 20;

    /// <param name="socketPath">OGRT_AGENT_SOCKET as the process had it; empty means the default.</param>
    public static void Send(ReadOnlySpan<byte> socketPath)
    {
        if (socketPath.IsEmpty)
            socketPath = System.Text.Encoding.UTF8.GetBytes(AgentMessageFormat.DefaultSocketPath);
        Span<byte> address = stackalloc byte[UnixSocketAddress.MaxLength];
        if (!UnixSocketAddress.TryWrite(socketPath, address, out int addressLength))
            return;
        Span<byte> notice = stackalloc byte[AgentMessageFormat.HeaderLength];
        notice.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(notice, AgentMessageFormat.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(notice[4..], AgentMessageFormat.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(notice[6..], AgentMessageFormat.FlagFallbackNotice);

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
                if (Libc.sendto(socket, payload, AgentMessageFormat.HeaderLength, MsgDontWait, target, (uint)addressLength) == AgentMessageFormat.HeaderLength)
                    break;
                Thread.Sleep(50);
            }
        }
        Libc.close(socket);
    }
}
