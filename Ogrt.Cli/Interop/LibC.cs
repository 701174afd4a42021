using System.Runtime.InteropServices;

namespace Ogrt.Cli.Interop;

/// <summary>The few libc calls .NET has no API for (inode identity, memfd, exec).</summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    public const int AtFdCwd = -100;
    public const uint StatxType = 0x1;
    public const uint StatxMode = 0x2;
    public const uint StatxIno = 0x100;
    public const int StatxBufferSize = 256;

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    public const int ExecutableAccess = 1;   // X_OK

    [LibraryImport(Library, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    [LibraryImport(Library, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "setenv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetEnv(string name, string value, int overwrite);

    public const int SignalPipe = 13;          // SIGPIPE
    public const nint DefaultAction = 0;       // SIG_DFL

    [LibraryImport(Library, EntryPoint = "signal")]
    public static partial nint Signal(int signal, nint handler);

    /// <summary>Replaces the process image; returns only on failure.</summary>
    [LibraryImport(Library, EntryPoint = "execv", SetLastError = true)]
    public static partial int Execv(byte* path, byte** argv);

    [LibraryImport(Library, EntryPoint = "getppid")]
    public static partial int GetParentProcessId();

    [LibraryImport(Library, EntryPoint = "getuid")]
    public static partial uint GetUserId();

    [LibraryImport(Library, EntryPoint = "getgid")]
    public static partial uint GetGroupId();
}
