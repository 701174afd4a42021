namespace Ogrt.Agent.Service.Interop;

/// <summary>
/// The netlink message layout and the generic-netlink and taskstats numbers the taskstats
/// listener uses (linux/netlink.h, linux/genetlink.h, linux/taskstats.h).
/// </summary>
internal static class Netlink
{
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
}
