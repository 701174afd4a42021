using System.Runtime.InteropServices;

namespace Ogrt.Cli.Doctor;

/// <summary>
/// The node's glibc against what the installed binaries need: the newest GLIBC symbol version
/// any of them references, which build.sh records in PREFIX/lib/glibc-requirement (the module
/// files refuse to load below it). musl cannot run them at all.
/// </summary>
internal static partial class GlibcCheck
{
    /// <summary>What the binaries of this version need when the recorded requirement is missing.</summary>
    private static readonly Version Fallback = new(2, 34);

    public static CheckResult Run(InstallLayout layout)
    {
        var needed = ReadRequirement(layout.GlibcRequirement) ?? Fallback;
        string? text;
        try
        {
            text = Marshal.PtrToStringUTF8(GnuGetLibcVersion());
        }
        catch (EntryPointNotFoundException)
        {
            return CheckResult.Fail("glibc", "the C library is not glibc", $"OGRT.NET runs only on glibc {needed} or newer systems");
        }
        if (!Version.TryParse(text, out var version))
            return CheckResult.Warn("glibc", $"unrecognised glibc version '{text}'");
        return version >= needed
            ? CheckResult.Ok("glibc", $"{text} (the agent, the node capture service and ogrt need {needed} or newer)")
            : CheckResult.Fail("glibc", $"{text} is too old: the agent, the node capture service and ogrt need {needed} or newer, so the module files refuse to load here",
                $"run OGRT.NET on nodes with glibc {needed} or newer (RHEL/Rocky/Alma 9, Debian 12, Ubuntu 22.04 or later)");
    }

    private static Version? ReadRequirement(string path)
    {
        try
        {
            return Version.TryParse(File.ReadAllText(path).Trim(), out var version) ? version : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial nint GnuGetLibcVersion();
}
