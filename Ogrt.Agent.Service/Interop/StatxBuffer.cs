using System.Runtime.InteropServices;

namespace Ogrt.Agent.Service.Interop;

/// <summary>struct statx (linux/stat.h): the fields the service reads, at their offsets.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct StatxBuffer
{
    [FieldOffset(0)] public uint Mask;
    [FieldOffset(32)] public ulong Inode;
    [FieldOffset(136)] public uint DeviceMajor;
    [FieldOffset(140)] public uint DeviceMinor;
    [FieldOffset(144)] public ulong MountId;
}
