using System.Runtime.InteropServices;
using System.Text;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service.EndRecords;

/// <summary>
/// A generic-netlink socket to the kernel's TASKSTATS family: either the listener, registered
/// for the exits on a set of CPUs (every exiting thread of the node arrives as one message), or
/// a query socket that asks about one live pid. Needs CAP_NET_ADMIN, the initial user, PID
/// and network namespaces, and taskstats version 12 (the thread group id in every record).
/// </summary>
internal sealed unsafe class TaskstatsSocket : IDisposable
{
    private const int RequestCapacity = 256;
    private const int ReplyCapacity = 4096;
    private const int EPERM = 1;
    private const int ESRCH = 3;
    private const int ENOENT = 2;

    private readonly int _descriptor;
    private ushort _family;
    private uint _sequence;
    private byte[]? _registeredMask;

    private TaskstatsSocket(int descriptor)
    {
        _descriptor = descriptor;
    }

    /// <summary>A socket that receives the exits of every CPU in <paramref name="cpuMask"/> (e.g. "0-127").</summary>
    public static TaskstatsSocket OpenListener(string cpuMask, int receiveBufferBytes)
    {
        var socket = Open();
        try
        {
            // As CAP_NET_ADMIN, net.core.rmem_max does not cap it (SO_RCVBUFFORCE).
            if (SocketCalls.setsockopt(socket._descriptor, SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVBUFFORCE, &receiveBufferBytes, sizeof(int)) != 0)
                SocketCalls.setsockopt(socket._descriptor, SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVBUF, &receiveBufferBytes, sizeof(int));
            byte[] mask = Encoding.ASCII.GetBytes(cpuMask + "\0");
            byte* reply = stackalloc byte[ReplyCapacity];
            socket.ReceiveReply(socket.Send(Netlink.TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, mask, Netlink.NLM_F_ACK), reply);
            socket._registeredMask = mask;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A socket for <see cref="TryQuery"/>: it receives no exits.</summary>
    public static TaskstatsSocket OpenQuery() => Open();

    /// <summary>
    /// Takes one queued message without waiting; <paramref name="length"/> is its length.
    /// Only the kernel's messages count: any local process may address a netlink socket, and a
    /// forged exit report could end someone else's run.
    /// </summary>
    public ExitReceive Receive(byte* buffer, int capacity, out int length)
    {
        length = 0;
        nint received = ReceiveFrom(buffer, capacity, SocketCalls.MSG_DONTWAIT, out bool fromKernel);
        if (received < 0)
            return Marshal.GetLastSystemError() == SocketCalls.ENOBUFS ? ExitReceive.Overrun : ExitReceive.Empty;
        length = (int)received;
        return fromKernel ? ExitReceive.Message : ExitReceive.NotFromKernel;
    }

    /// <summary>The live process (or thread) with this pid; false when there is none.</summary>
    public bool TryQuery(int pid, out TaskRecord record)
    {
        record = default;
        byte* reply = stackalloc byte[ReplyCapacity];
        try
        {
            int length = ReceiveReply(Send(Netlink.TASKSTATS_CMD_ATTR_PID, BitConverter.GetBytes(pid), 0), reply);
            return TaskRecord.TryRead(new ReadOnlySpan<byte>(reply, length), out record);
        }
        catch (TaskstatsException e) when (e.Errno == ESRCH)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_registeredMask is not null)
        {
            // Best effort: the kernel also drops a closed socket's registration at its next exit.
            try
            {
                Send(Netlink.TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, _registeredMask, 0);
            }
            catch (TaskstatsException)
            {
            }
        }
        Libc.close(_descriptor);
    }

    private static TaskstatsSocket Open()
    {
        int descriptor = Libc.socket(SocketCalls.AF_NETLINK, SocketCalls.SOCK_RAW | Libc.SOCK_CLOEXEC, SocketCalls.NETLINK_GENERIC);
        if (descriptor < 0)
            throw new TaskstatsException(Marshal.GetLastSystemError(), "cannot open a generic-netlink socket");
        var socket = new TaskstatsSocket(descriptor);
        try
        {
            // Replies come at once; the timeout only keeps a broken kernel from hanging the start.
            long* timeout = stackalloc long[2] { 1, 0 };
            SocketCalls.setsockopt(descriptor, SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVTIMEO, timeout, 16);
            socket.ResolveFamily();
            // Ask about the service itself: fails without CAP_NET_ADMIN, and tells the version.
            if (!socket.TryQuery(Environment.ProcessId, out _))
                throw new TaskstatsException(0, $"the kernel's taskstats are older than version {TaskRecord.MinimumVersion} (no thread group id)");
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void ResolveFamily()
    {
        byte* reply = stackalloc byte[ReplyCapacity];
        int length = ReceiveReply(Send(Netlink.CTRL_ATTR_FAMILY_NAME, "TASKSTATS\0"u8, 0, controller: true), reply);
        var id = NetlinkMessage.Find(new ReadOnlySpan<byte>(reply, length), Netlink.CTRL_ATTR_FAMILY_ID);
        if (id.Length < 2)
            throw new TaskstatsException(ENOENT, "the generic-netlink controller did not name the TASKSTATS family");
        _family = BitConverter.ToUInt16(id);
    }

    /// <summary>Sends a request with one attribute to the TASKSTATS family (or the controller); returns its sequence number.</summary>
    private uint Send(ushort attribute, ReadOnlySpan<byte> value, ushort extraFlags, bool controller = false)
    {
        uint sequence = ++_sequence;
        Span<byte> request = stackalloc byte[RequestCapacity];
        ushort flags = (ushort)(Netlink.NLM_F_REQUEST | extraFlags);
        int length = controller
            ? NetlinkMessage.WriteRequest(request, Netlink.GENL_ID_CTRL, Netlink.CTRL_CMD_GETFAMILY, flags, sequence, attribute, value)
            : NetlinkMessage.WriteRequest(request, _family, Netlink.TASKSTATS_CMD_GET, flags, sequence, attribute, value);
        fixed (byte* bytes = request)
        {
            if (SocketCalls.send(_descriptor, bytes, (nuint)length, 0) != length)
                throw new TaskstatsException(Marshal.GetLastSystemError(), "cannot send to the kernel");
        }
        return sequence;
    }

    /// <summary>
    /// Waits for the reply (or acknowledgement) to request <paramref name="sequence"/>, skipping
    /// exit events queued before it; returns its length. Throws with the kernel's errno.
    /// </summary>
    private int ReceiveReply(uint sequence, byte* reply)
    {
        while (true)
        {
            nint received = ReceiveFrom(reply, ReplyCapacity, 0, out bool fromKernel);
            if (received < 0)
            {
                int error = Marshal.GetLastSystemError();
                if (error == SocketCalls.ENOBUFS)
                    continue;
                throw new TaskstatsException(error, "no reply from the kernel");
            }
            var message = new ReadOnlySpan<byte>(reply, (int)received);
            if (!fromKernel || NetlinkMessage.SequenceOf(message) != sequence)
                continue;
            int errno = NetlinkMessage.TypeOf(message) == Netlink.NLMSG_ERROR ? -NetlinkMessage.ErrorOf(message) : 0;
            if (errno != 0)
                throw new TaskstatsException(errno, errno == EPERM ? "not permitted (the service lacks CAP_NET_ADMIN)" : "the kernel refused the request");
            return (int)received;
        }
    }

    private nint ReceiveFrom(byte* buffer, int capacity, int flags, out bool fromKernel)
    {
        byte* address = stackalloc byte[Netlink.AddressLength];
        uint addressLength = Netlink.AddressLength;
        nint received = SocketCalls.recvfrom(_descriptor, buffer, (nuint)capacity, flags, address, &addressLength);
        // struct sockaddr_nl: nl_pid, the sender's port, is 0 for the kernel.
        fromKernel = addressLength >= 8 && *(uint*)(address + 4) == 0;
        return received;
    }
}
