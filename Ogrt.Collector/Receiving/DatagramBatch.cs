using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Ogrt.Collector.Receiving;

/// <summary>
/// Reads up to <see cref="Capacity"/> datagrams with one <c>recvmmsg(2)</c> system call instead
/// of one <c>recvfrom</c> per datagram, into slots of native memory allocated once (each as
/// large as any UDP payload, so nothing is cut off). The slots are reused by the next
/// <see cref="Receive"/>: a caller copies what it keeps. Linux only, like the collector.
/// </summary>
internal sealed unsafe partial class DatagramBatch : IDisposable
{
    /// <summary>Large enough for any UDP payload (IPv6 allows 65,527 bytes).</summary>
    public const int SlotBytes = 65536;

    /// <summary>sizeof(struct sockaddr_storage): room for an IPv4 or IPv6 sender address.</summary>
    private const int AddressBytes = 128;

    // Block until one datagram arrives, then take whatever else is already queued.
    private const int MsgWaitForOne = 0x10000;
    private const int EIntr = 4;

    private readonly MessageHeader* _headers;
    private readonly IoVector* _vectors;
    private readonly byte* _addresses;
    private readonly byte* _payloads;
    private int _count;
    private bool _disposed;

    public DatagramBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _headers = (MessageHeader*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(MessageHeader));
        _vectors = (IoVector*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(IoVector));
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)capacity, AddressBytes);
        _payloads = (byte*)NativeMemory.Alloc((nuint)capacity, SlotBytes);
        for (int i = 0; i < capacity; i++)
        {
            _vectors[i] = new IoVector { Base = _payloads + ((long)i * SlotBytes), Length = SlotBytes };
            _headers[i].Vectors = &_vectors[i];
            _headers[i].VectorCount = 1;
            _headers[i].Name = _addresses + ((long)i * AddressBytes);
        }
    }

    public int Capacity { get; }

    /// <summary>Datagrams read by the last <see cref="Receive"/>.</summary>
    public int Count => _count;

    /// <summary>
    /// Waits for at least one datagram (up to the socket's receive timeout) and reads all that
    /// are queued, up to <see cref="Capacity"/>. Returns how many; 0 on timeout.
    /// </summary>
    /// <exception cref="SocketException">The socket reported an error (e.g. an ICMP error).</exception>
    public int Receive(Socket socket)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int i = 0; i < Capacity; i++)
        {
            // The kernel overwrites both with what it received.
            _headers[i].NameLength = AddressBytes;
            _headers[i].Flags = 0;
        }
        int received;
        do
        {
            received = RecvMmsg(socket.SafeHandle, _headers, (uint)Capacity, MsgWaitForOne, null);
        }
        while (received < 0 && Marshal.GetLastPInvokeError() == EIntr);
        if (received < 0)
        {
            var error = SocketErrorOf(Marshal.GetLastPInvokeError());
            _count = 0;
            if (error is SocketError.WouldBlock or SocketError.TimedOut)
                return 0;
            throw new SocketException((int)error);
        }
        _count = received;
        return received;
    }

    /// <summary>The payload of datagram <paramref name="index"/> of the last receive.</summary>
    public ReadOnlySpan<byte> Payload(int index) =>
        new(_payloads + ((long)Checked(index) * SlotBytes), (int)_headers[index].Length);

    /// <summary>The sender's <c>sockaddr</c> of datagram <paramref name="index"/> of the last receive.</summary>
    public ReadOnlySpan<byte> SenderAddress(int index) =>
        new(_addresses + ((long)Checked(index) * AddressBytes), (int)_headers[Checked(index)].NameLength);

    private int Checked(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
        return index;
    }

    /// <summary>The <see cref="SocketError"/> of an errno, as <see cref="Socket"/> would report it.</summary>
    private static SocketError SocketErrorOf(int errno) =>
        errno switch
        {
            11 => SocketError.WouldBlock, // EAGAIN: the receive timeout passed
            111 => SocketError.ConnectionRefused,
            113 => SocketError.HostUnreachable,
            101 => SocketError.NetworkUnreachable,
            12 or 105 => SocketError.NoBufferSpaceAvailable,
            _ => SocketError.SocketError,
        };

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        NativeMemory.Free(_headers);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_payloads);
    }

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static partial int RecvMmsg(SafeHandle socket, MessageHeader* messages, uint count, int flags, void* timeout);

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct mmsghdr: a struct msghdr (56 bytes) and the length received (LP64 layout).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct MessageHeader
    {
        [FieldOffset(0)] public byte* Name;
        [FieldOffset(8)] public uint NameLength;
        [FieldOffset(16)] public IoVector* Vectors;
        [FieldOffset(24)] public nuint VectorCount;
        [FieldOffset(32)] public void* Control;
        [FieldOffset(40)] public nuint ControlLength;
        [FieldOffset(48)] public int Flags;
        [FieldOffset(56)] public uint Length;
    }
}
