using System.Runtime.InteropServices;

namespace Ogrt.Cli.Elf;

/// <summary>The ELF class and machine a watermark object is written for.</summary>
internal readonly record struct ElfTarget(bool Is64Bit, ushort Machine, string Name)
{
    public const ushort MachineI386 = 3;
    public const ushort MachineX86_64 = 62;
    public const ushort MachineAArch64 = 183;

    public static readonly ElfTarget X86_64 = new(true, MachineX86_64, "x86-64");
    public static readonly ElfTarget I386 = new(false, MachineI386, "i386");
    public static readonly ElfTarget X32 = new(false, MachineX86_64, "x32");
    public static readonly ElfTarget AArch64 = new(true, MachineAArch64, "aarch64");

    /// <summary>The target of the machine we run on: the linker's default emulation.</summary>
    public static ElfTarget? Host => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => X86_64,
        Architecture.Arm64 => AArch64,
        _ => null,
    };

    /// <summary>Maps a GNU ld emulation (`-m NAME`) to a target; null if not supported.</summary>
    public static ElfTarget? FromEmulation(string emulation) => emulation switch
    {
        "elf_x86_64" => X86_64,
        "elf_i386" => I386,
        "elf32_x86_64" => X32,
        "aarch64linux" or "aarch64elf" => AArch64,
        _ => null,
    };
}
