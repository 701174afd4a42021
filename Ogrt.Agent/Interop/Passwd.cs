using System.Runtime.InteropServices;

namespace Ogrt.Agent.Interop;

/// <summary>glibc struct passwd (LP64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Passwd
{
    public byte* Name;
    public byte* Password;
    public uint Uid;
    public uint Gid;
    public byte* Gecos;
    public byte* Directory;
    public byte* Shell;
}
