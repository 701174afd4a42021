using System.Runtime.InteropServices;

namespace Ogrt.Agent.Interop;

/// <summary>
/// The glibc functions the capture uses. Only blittable arguments (runtime marshalling is
/// disabled); the NativeAOT build links them directly (DirectPInvoke), so no dlopen/dlsym
/// happens at first call.
/// </summary>
internal static unsafe class Libc
{
    private const string Library = "libc";

    public const int AF_UNIX = 1;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int AI_NUMERICSERV = 0x0400;
    public const int ERANGE = 34;
    public const uint PT_LOAD = 1;
    public const uint PT_NOTE = 4;
    /// <summary>getauxval(3): the address of the vDSO's ELF header.</summary>
    public const nuint AT_SYSINFO_EHDR = 33;
    public const int PathMax = 4096;

    [DllImport(Library)]
    public static extern uint getuid();

    [DllImport(Library)]
    public static extern uint getgid();

    [DllImport(Library)]
    public static extern byte* getcwd(byte* buffer, nuint size);

    /// <summary>struct utsname is six char[65] fields; nodename is the second.</summary>
    [DllImport(Library)]
    public static extern int uname(byte* utsname);

    [DllImport(Library)]
    public static extern int getpwuid_r(uint uid, Passwd* passwd, byte* buffer, nuint length, Passwd** result);

    [DllImport(Library)]
    public static extern int dl_iterate_phdr(delegate* unmanaged<DlPhdrInfo*, nuint, void*, int> callback, void* data);

    [DllImport(Library)]
    public static extern int socket(int domain, int type, int protocol);

    [DllImport(Library)]
    public static extern nint sendto(int socket, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [DllImport(Library)]
    public static extern int close(int fd);

    [DllImport(Library)]
    public static extern int inet_pton(int family, byte* text, byte* address);

    [DllImport(Library)]
    public static extern int getaddrinfo(byte* node, byte* service, AddrInfo* hints, AddrInfo** result);

    [DllImport(Library)]
    public static extern void freeaddrinfo(AddrInfo* result);

    [DllImport(Library)]
    public static extern nint write(int fd, byte* buffer, nuint length);

    [DllImport(Library)]
    public static extern nuint strlen(byte* text);

    /// <summary><paramref name="resolved"/> must hold <see cref="PathMax"/> bytes.</summary>
    [DllImport(Library)]
    public static extern byte* realpath(byte* path, byte* resolved);

    [DllImport(Library)]
    public static extern nuint getauxval(nuint type);
}
