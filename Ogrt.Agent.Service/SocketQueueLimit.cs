using System.Text;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service;

/// <summary>
/// How many datagrams a UNIX datagram socket of this network namespace queues before the
/// kernel refuses the next one (<c>net.unix.max_dgram_qlen</c>), measured rather than read:
/// the hardened unit (<c>ProcSubset=pid</c>) hides <c>/proc/sys</c>.
/// </summary>
internal static unsafe class SocketQueueLimit
{
    /// <summary>The most the probe counts: enough to tell a node booted by systemd (512).</summary>
    public const int MaxProbed = 1024;

    private const int SenderCount = 16;

    /// <summary>
    /// A socket bound to an abstract address (nothing on disk) takes one-byte datagrams until
    /// one is refused. They come from several sockets, each sending well within its own send
    /// buffer, so that the queue limit, not a sender's buffer, is what refuses. At most
    /// <see cref="MaxProbed"/>; 0 when the probe cannot be made.
    /// </summary>
    public static int Measure()
    {
        byte* address = stackalloc byte[UnixSocketAddress.MaxLength];
        // A name that starts with a NUL is in the abstract namespace.
        if (!UnixSocketAddress.TryWrite(Encoding.ASCII.GetBytes($"\0ogrt-agent-queue-probe-{Environment.ProcessId}"),
                new Span<byte>(address, UnixSocketAddress.MaxLength), out int addressLength))
            return 0;

        int receiver = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (receiver < 0)
            return 0;
        try
        {
            if (SocketCalls.bind(receiver, address, (uint)addressLength) != 0)
                return 0;
            return CountAccepted(address, (uint)addressLength) - 1; // The kernel queues one past the limit.
        }
        finally
        {
            Libc.close(receiver);
        }
    }

    private static int CountAccepted(byte* address, uint addressLength)
    {
        byte payload = 0;
        int accepted = 0;
        for (int sender = 0; sender < SenderCount; sender++)
        {
            int socket = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            if (socket < 0)
                return 0;
            try
            {
                for (int i = 0; i < (MaxProbed + 1) / SenderCount + 1; i++)
                {
                    if (Libc.sendto(socket, &payload, 1, SocketCalls.MSG_DONTWAIT, address, addressLength) < 0)
                        return accepted;
                    if (++accepted > MaxProbed)
                        return accepted;
                }
            }
            finally
            {
                Libc.close(socket);
            }
        }
        return accepted;
    }
}
