using System.Runtime.InteropServices;

namespace Ogrt.Agent.Interop;

/// <summary>glibc struct addrinfo (LP64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct AddrInfo
{
    public int Flags;
    public int Family;
    public int SocketType;
    public int Protocol;
    public uint AddressLength;
    public byte* Address;
    public byte* CanonicalName;
    public AddrInfo* Next;
}
