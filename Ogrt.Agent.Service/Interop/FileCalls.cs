using System.Runtime.InteropServices;

namespace Ogrt.Agent.Service.Interop;

/// <summary>
/// The libc file calls the service resolves paths with (blittable only). statx goes through
/// syscall(2): glibc's wrapper would raise the glibc the service needs to 2.28.
/// </summary>
internal static unsafe class FileCalls
{
    private const string Library = "libc";

    public const int EINVAL = 22;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_INO = 0x100;
    public const uint STATX_MNT_ID = 0x1000;

    [DllImport(Library)]
    public static extern nint readlinkat(int directory, byte* path, byte* buffer, nuint size);

    [DllImport(Library, EntryPoint = "syscall")]
    private static extern long statx_syscall(long number, int directory, byte* path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>statx(2) of an open descriptor; false when the kernel refuses it.</summary>
    public static bool StatDescriptor(int descriptor, uint mask, StatxBuffer* buffer)
    {
        long number = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 332,
            Architecture.Arm64 => 291,
            _ => -1,
        };
        byte empty = 0;
        return number >= 0 && statx_syscall(number, descriptor, &empty, AT_EMPTY_PATH, mask, buffer) == 0;
    }
}
