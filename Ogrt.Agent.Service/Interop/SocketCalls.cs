using System.Runtime.InteropServices;

namespace Ogrt.Agent.Service.Interop;

/// <summary>The libc socket calls the service needs beyond the capture library's <c>Libc</c> (blittable only).</summary>
internal static unsafe class SocketCalls
{
    private const string Library = "libc";

    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int NETLINK_GENERIC = 16;
    public const int SOL_SOCKET = 1;
    public const int SO_TYPE = 3;
    public const int SO_RCVBUF = 8;
    public const int SO_PASSCRED = 16;
    public const int SO_RCVTIMEO = 20;
    public const int SO_RCVBUFFORCE = 33;
    public const int SCM_RIGHTS = 1;
    public const int SCM_CREDENTIALS = 2;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_CTRUNC = 0x8;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOBUFS = 105;

    [DllImport(Library)]
    public static extern int bind(int socket, byte* address, uint addressLength);

    [DllImport(Library)]
    public static extern int setsockopt(int socket, int level, int name, void* value, uint length);

    [DllImport(Library)]
    public static extern int getsockopt(int socket, int level, int name, void* value, uint* length);

    [DllImport(Library)]
    public static extern nint recvmsg(int socket, MessageHeader* message, int flags);

    [DllImport(Library)]
    public static extern nint send(int socket, byte* buffer, nuint length, int flags);

    [DllImport(Library)]
    public static extern nint recvfrom(int socket, byte* buffer, nuint length, int flags, byte* address, uint* addressLength);
}
