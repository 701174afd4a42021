using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Settings;

namespace Ogrt.Agent.Wire;

/// <summary>
/// Sends one datagram with raw libc sockets (no System.Net). IP literals are parsed with
/// inet_pton, so only names reach the resolver (getaddrinfo); that runs in the detached
/// capture process, whose watchdog (set by the gate) bounds how long it may take.
/// </summary>
internal static unsafe class DatagramSender
{
    /// <summary>sizeof(struct sockaddr_in6), the largest address we build.</summary>
    private const int MaxAddressLength = 28;
    private const int MaxHostLength = 1024;

    /// <param name="errorNumber">errno (or the getaddrinfo error) when it fails, for diagnostics.</param>
    public static CaptureStatus Send(scoped in CollectorAddress collector, ReadOnlySpan<byte> datagram, out int errorNumber)
    {
        Span<byte> address = stackalloc byte[MaxAddressLength];
        if (!TryResolve(collector, address, out int family, out int addressLength, out errorNumber))
            return CaptureStatus.UnresolvedCollector;

        int socket = Libc.socket(family, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (socket < 0)
        {
            errorNumber = Marshal.GetLastSystemError();
            return CaptureStatus.SendFailed;
        }
        nint sent;
        fixed (byte* payload = datagram)
        fixed (byte* target = address)
        {
            sent = Libc.sendto(socket, payload, (nuint)datagram.Length, 0, target, (uint)addressLength);
        }
        errorNumber = sent < 0 ? Marshal.GetLastSystemError() : 0;
        Libc.close(socket);
        return sent == datagram.Length ? CaptureStatus.Sent : CaptureStatus.SendFailed;
    }

    /// <summary>Fills <paramref name="address"/> with a sockaddr_in or sockaddr_in6 for the collector.</summary>
    public static bool TryResolve(scoped in CollectorAddress collector, Span<byte> address, out int family, out int addressLength, out int errorNumber)
    {
        family = 0;
        addressLength = 0;
        errorNumber = 0;
        if (collector.Host.Length > MaxHostLength || address.Length < MaxAddressLength)
            return false;
        address.Clear();
        Span<byte> host = stackalloc byte[collector.Host.Length + 1];
        collector.Host.CopyTo(host);
        host[^1] = 0;

        fixed (byte* name = host)
        fixed (byte* target = address)
        {
            if (Libc.inet_pton(Libc.AF_INET, name, target + 4) == 1)
            {
                family = Libc.AF_INET;
                addressLength = 16;
            }
            else if (Libc.inet_pton(Libc.AF_INET6, name, target + 8) == 1)
            {
                family = Libc.AF_INET6;
                addressLength = MaxAddressLength;
            }
            else if (!TryGetAddressInfo(name, address, out family, out addressLength, out errorNumber))
            {
                return false;
            }
        }
        BinaryPrimitives.WriteUInt16LittleEndian(address, (ushort)family);
        BinaryPrimitives.WriteUInt16BigEndian(address[2..], collector.Port);
        return true;
    }

    private static bool TryGetAddressInfo(byte* name, Span<byte> address, out int family, out int addressLength, out int errorNumber)
    {
        family = 0;
        addressLength = 0;
        var hints = new AddrInfo { SocketType = Libc.SOCK_DGRAM, Flags = Libc.AI_NUMERICSERV };
        AddrInfo* results = null;
        errorNumber = Libc.getaddrinfo(name, null, &hints, &results);
        if (errorNumber != 0)
            return false;
        try
        {
            for (AddrInfo* result = results; result is not null; result = result->Next)
            {
                if ((result->Family == Libc.AF_INET || result->Family == Libc.AF_INET6)
                    && result->AddressLength <= MaxAddressLength && result->Address is not null)
                {
                    new ReadOnlySpan<byte>(result->Address, (int)result->AddressLength).CopyTo(address);
                    family = result->Family;
                    addressLength = (int)result->AddressLength;
                    return true;
                }
            }
            return false;
        }
        finally
        {
            Libc.freeaddrinfo(results);
        }
    }
}
