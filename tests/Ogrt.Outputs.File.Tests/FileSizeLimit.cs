using System.Runtime.InteropServices;

namespace Ogrt.Outputs.File.Tests;

/// <summary>
/// Lowers this process's RLIMIT_FSIZE, so that writing past a file offset fails with EFBIG
/// the way a full disk fails with ENOSPC: a write that crosses the limit is cut short and the
/// next one fails. SIGXFSZ, which would otherwise kill the process, is ignored meanwhile.
/// </summary>
internal sealed partial class FileSizeLimit : IDisposable
{
    private const int RlimitFsize = 1;
    private const int Sigxfsz = 25;
    private static readonly nint SigIgn = 1;

    private readonly Rlimit _previous;
    private readonly nint _previousHandler;

    public FileSizeLimit(long maxFileBytes)
    {
        if (getrlimit(RlimitFsize, out _previous) != 0)
            throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        _previousHandler = signal(Sigxfsz, SigIgn);
        var limited = new Rlimit { Current = (ulong)maxFileBytes, Maximum = _previous.Maximum };
        if (setrlimit(RlimitFsize, in limited) != 0)
            throw new InvalidOperationException($"setrlimit failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        var previous = _previous;
        setrlimit(RlimitFsize, in previous);
        signal(Sigxfsz, _previousHandler);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in Rlimit limit);

    [LibraryImport("libc")]
    private static partial nint signal(int signal, nint handler);
}
