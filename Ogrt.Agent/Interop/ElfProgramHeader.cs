using System.Runtime.InteropServices;

namespace Ogrt.Agent.Interop;

/// <summary>Elf64_Phdr.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ElfProgramHeader
{
    public uint Type;
    public uint Flags;
    public ulong Offset;
    public ulong VirtualAddress;
    public ulong PhysicalAddress;
    public ulong FileSize;
    public ulong MemorySize;
    public ulong Alignment;
}
