using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service;

/// <summary>
/// The UNIX datagram socket the gates send to, with SO_PASSCRED so every message carries the
/// sender's credentials. Either handed over by systemd (socket activation: the socket, and the
/// messages queued in it, outlive a restart of the service) or bound by the service itself.
/// </summary>
internal sealed unsafe class AgentSocket : IDisposable
{
    /// <summary>sd_listen_fds(3): the first passed descriptor.</summary>
    private const int FirstListenDescriptor = 3;

    private readonly int _descriptor;
    private readonly byte* _control;

    private AgentSocket(int descriptor, string description)
    {
        _descriptor = descriptor;
        Description = description;
        _control = (byte*)NativeMemory.AllocZeroed(ControlMessages.BufferLength);
        int on = 1;
        SocketCalls.setsockopt(descriptor, SocketCalls.SOL_SOCKET, SocketCalls.SO_PASSCRED, &on, sizeof(int));
        // A timeout lets the receive loop notice SIGTERM and write its counters while idle.
        SetReceiveTimeout(TimeSpan.FromSeconds(1));
    }

    /// <summary>Where the socket came from, for the start-up log line.</summary>
    public string Description { get; }

    /// <summary>The socket systemd passed (LISTEN_PID/LISTEN_FDS), or null when not socket-activated.</summary>
    public static AgentSocket? FromSystemd()
    {
        if (Environment.GetEnvironmentVariable("LISTEN_PID") != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
            || !int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out int count) || count < 1)
            return null;
        int type = 0;
        uint length = sizeof(int);
        if (SocketCalls.getsockopt(FirstListenDescriptor, SocketCalls.SOL_SOCKET, SocketCalls.SO_TYPE, &type, &length) != 0
            || type != Libc.SOCK_DGRAM)
            throw new InvalidOperationException("the socket systemd passed is not a datagram socket (ListenDatagram= in ogrt-agent.socket)");
        return new AgentSocket(FirstListenDescriptor, "socket passed by systemd");
    }

    /// <summary>Binds a socket at <paramref name="path"/> that every user may send to.</summary>
    public static AgentSocket Bind(string path, int receiveBufferBytes)
    {
        byte* address = stackalloc byte[UnixSocketAddress.MaxLength];
        if (!UnixSocketAddress.TryWrite(Encoding.UTF8.GetBytes(path), new Span<byte>(address, UnixSocketAddress.MaxLength), out int addressLength))
            throw new ArgumentException($"the socket path {path} is too long for a UNIX socket");
        // A socket left by an earlier run that was not stopped cleanly.
        File.Delete(path);

        int descriptor = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (descriptor < 0)
            throw new IOException($"socket(AF_UNIX): error {Marshal.GetLastSystemError()}");
        if (SocketCalls.bind(descriptor, address, (uint)addressLength) != 0)
        {
            int error = Marshal.GetLastSystemError();
            Libc.close(descriptor);
            throw new IOException($"bind({path}): error {error}");
        }
        File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        // As root the limit of net.core.rmem_max does not apply (SO_RCVBUFFORCE).
        if (SocketCalls.setsockopt(descriptor, SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVBUFFORCE, &receiveBufferBytes, sizeof(int)) != 0)
            SocketCalls.setsockopt(descriptor, SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVBUF, &receiveBufferBytes, sizeof(int));
        return new AgentSocket(descriptor, $"socket {path}");
    }

    /// <summary>
    /// Takes one message, waiting up to the receive timeout for it when <paramref name="wait"/>.
    /// <paramref name="length"/> is its full length (it was cut when that exceeds
    /// <paramref name="capacity"/>). <paramref name="passedDescriptor"/>: the descriptor the
    /// sender passed (a gate: its root directory), -1 if none; the caller closes it, whatever
    /// the outcome.
    /// </summary>
    public ReceiveOutcome Receive(byte* buffer, int capacity, bool wait, out int length, out Credentials credentials, out int passedDescriptor)
    {
        credentials = default;
        passedDescriptor = -1;
        length = 0;
        var vector = new IoVector { Base = buffer, Length = (nuint)capacity };
        var header = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = _control, ControlLength = ControlMessages.BufferLength };
        // MSG_TRUNC: return the real length of an oversized datagram.
        nint received = SocketCalls.recvmsg(_descriptor, &header,
            SocketCalls.MSG_TRUNC | SocketCalls.MSG_CMSG_CLOEXEC | (wait ? 0 : SocketCalls.MSG_DONTWAIT));
        if (received < 0)
        {
            int error = Marshal.GetLastSystemError();
            return error is SocketCalls.EAGAIN or SocketCalls.EINTR ? ReceiveOutcome.Idle : ReceiveOutcome.Failed;
        }
        length = (int)Math.Min(received, int.MaxValue);
        if (!ControlMessages.Read(header, out credentials, out passedDescriptor))
            return ReceiveOutcome.NoCredentials;
        return length > capacity ? ReceiveOutcome.Oversized : ReceiveOutcome.Message;
    }

    /// <summary>How long <see cref="Receive"/> waits at most (the loop's idle tick).</summary>
    public void SetReceiveTimeout(TimeSpan timeout)
    {
        long* value = stackalloc long[2] { (long)timeout.TotalSeconds, timeout.Microseconds + timeout.Milliseconds * 1000L };
        SocketCalls.setsockopt(_descriptor, SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVTIMEO, value, 16);
    }

    public void Dispose()
    {
        Libc.close(_descriptor);
        NativeMemory.Free(_control);
    }
}
