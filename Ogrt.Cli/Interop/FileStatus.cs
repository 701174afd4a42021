namespace Ogrt.Cli.Interop;

/// <summary>
/// File type and identity from statx(2), following symlinks. Two paths name the same file
/// exactly when device and inode are equal (symlinks, hard links and bind mounts included).
/// </summary>
internal readonly record struct FileStatus(uint Mode, ulong Inode, uint DeviceMajor, uint DeviceMinor)
{
    private const uint TypeMask = 0xF000;   // S_IFMT
    private const uint TypeDirectory = 0x4000;
    private const uint TypeRegular = 0x8000;

    public bool IsDirectory => (Mode & TypeMask) == TypeDirectory;
    public bool IsRegularFile => (Mode & TypeMask) == TypeRegular;

    /// <summary>"major:minor:inode": the form used in the wrapper's environment chain.</summary>
    public string Identity => $"{DeviceMajor}:{DeviceMinor}:{Inode}";

    /// <summary>Stats the path; on failure returns false and the errno.</summary>
    public static unsafe bool TryGet(string path, out FileStatus status, out int errno)
    {
        byte* buffer = stackalloc byte[LibC.StatxBufferSize];
        if (LibC.Statx(LibC.AtFdCwd, path, 0, LibC.StatxType | LibC.StatxMode | LibC.StatxIno, buffer) != 0)
        {
            errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            status = default;
            return false;
        }
        // struct statx: stx_mode at 28 (u16), stx_ino at 32 (u64), stx_dev_major/minor at 136/140 (u32).
        status = new FileStatus(*(ushort*)(buffer + 28), *(ulong*)(buffer + 32), *(uint*)(buffer + 136), *(uint*)(buffer + 140));
        errno = 0;
        return true;
    }
}
