using System.Runtime.InteropServices;

namespace Ogrt.Cli.Doctor;

/// <summary>The agent needs glibc 2.34 or newer (it calls _Fork()); musl cannot run it.</summary>
internal static partial class GlibcCheck
{
    private static readonly Version Minimum = new(2, 34);

    public static CheckResult Run()
    {
        string? text;
        try
        {
            text = Marshal.PtrToStringUTF8(GnuGetLibcVersion());
        }
        catch (EntryPointNotFoundException)
        {
            return CheckResult.Fail("glibc", "the C library is not glibc", "the agent runs only on glibc 2.34 or newer systems");
        }
        if (!Version.TryParse(text, out var version))
            return CheckResult.Warn("glibc", $"unrecognised glibc version '{text}'");
        return version >= Minimum
            ? CheckResult.Ok("glibc", $"{text} (the agent needs {Minimum} or newer)")
            : CheckResult.Fail("glibc", $"{text} is too old: the agent needs {Minimum} or newer", "run OGRT on nodes with a newer distribution (Debian 12, RHEL 9, Ubuntu 22.04 or later)");
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial nint GnuGetLibcVersion();
}
