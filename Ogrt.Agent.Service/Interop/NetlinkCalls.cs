using System.Runtime.InteropServices;

namespace Ogrt.Agent.Service.Interop;

/// <summary>
/// What the taskstats listener needs from libc and the netlink headers
/// (linux/netlink.h, linux/genetlink.h, linux/taskstats.h): blittable calls and constants only.
/// </summary>
internal static unsafe class NetlinkCalls
{
    private const string Library = "libc";

    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int NETLINK_GENERIC = 16;
    public const int ENOBUFS = 105;

    public const int HeaderLength = 16;          // struct nlmsghdr
    public const int GenericHeaderLength = 4;    // struct genlmsghdr
    public const int AttributeHeaderLength = 4;  // struct nlattr
    public const int AddressLength = 12;         // struct sockaddr_nl
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLM_F_REQUEST = 1;
    public const ushort NLM_F_ACK = 4;

    public const ushort GENL_ID_CTRL = 0x10;
    public const byte CTRL_CMD_GETFAMILY = 3;
    public const ushort CTRL_ATTR_FAMILY_ID = 1;
    public const ushort CTRL_ATTR_FAMILY_NAME = 2;

    public const byte TASKSTATS_CMD_GET = 1;
    public const ushort TASKSTATS_CMD_ATTR_PID = 1;
    public const ushort TASKSTATS_CMD_ATTR_REGISTER_CPUMASK = 3;
    public const ushort TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK = 4;
    public const ushort TASKSTATS_TYPE_PID = 1;
    public const ushort TASKSTATS_TYPE_STATS = 3;
    public const ushort TASKSTATS_TYPE_AGGR_PID = 4;

    [DllImport(Library)]
    public static extern nint send(int socket, byte* buffer, nuint length, int flags);

    [DllImport(Library)]
    public static extern nint recvfrom(int socket, byte* buffer, nuint length, int flags, byte* address, uint* addressLength);
}
