using System.Runtime.InteropServices;

namespace Ogrt.Agent.Capture;

/// <summary>struct ogrt_capture_request of native/ogrt_capture.h (ABI version 1).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CaptureRequest
{
    public const uint AbiVersion = 1;
    public const uint FlagDebugInfo = 0x1;
    public const uint FlagServiceBusy = 0x2;

    public uint Version;
    public uint Flags;
    public int Pid;
    public int ParentPid;
    public long TimeMicroseconds;
    public int ArgumentCount;
    public int ObjectCount;
    public byte** Arguments;
    public byte** Environment;
    public byte* ExecutablePath;
    public byte* CapturePath;
}
