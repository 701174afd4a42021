using System.Runtime.InteropServices;

namespace Ogrt.Agent.Interop;

/// <summary>The leading, always-present fields of glibc struct dl_phdr_info (LP64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DlPhdrInfo
{
    public nint Address;
    public byte* Name;
    public ElfProgramHeader* ProgramHeaders;
    public ushort ProgramHeaderCount;
}
