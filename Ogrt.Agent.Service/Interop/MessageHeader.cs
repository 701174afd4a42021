using System.Runtime.InteropServices;

namespace Ogrt.Agent.Service.Interop;

/// <summary>struct msghdr (LP64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public void* Name;
    public uint NameLength;
    public IoVector* Vectors;
    public nuint VectorCount;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}
