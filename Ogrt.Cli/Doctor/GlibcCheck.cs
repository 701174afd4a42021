using System.Runtime.InteropServices;

namespace Ogrt.Cli.Doctor;

/// <summary>
/// The node's glibc against what each installed node-side binary needs: the newest GLIBC symbol
/// version it references, which build.sh records in PREFIX/lib/glibc-requirement, one
/// "PIECE VERSION" line per binary (the module files refuse to load below the newest). musl
/// cannot run them at all.
/// </summary>
internal static partial class GlibcCheck
{
    private const string Subject = "glibc";

    public static IEnumerable<CheckResult> Run(InstallLayout layout)
    {
        var (needs, problem) = ReadRequirements(layout.GlibcRequirement);
        if (problem != null)
            yield return CheckResult.Warn(Subject, problem, "reinstall OGRT.NET: build.sh writes lib/glibc-requirement");
        string? text;
        try
        {
            text = Marshal.PtrToStringUTF8(GnuGetLibcVersion());
        }
        catch (EntryPointNotFoundException)
        {
            text = null;
        }
        if (text == null)
        {
            yield return CheckResult.Fail(Subject, "the C library is not glibc", "OGRT.NET runs only on glibc systems");
            yield break;
        }
        if (!Version.TryParse(text, out var version))
        {
            yield return CheckResult.Warn(Subject, $"unrecognised glibc version '{text}'");
            yield break;
        }
        foreach (var (piece, needed) in needs)
        {
            yield return version >= needed
                ? CheckResult.Ok(Subject, $"{text} runs {piece} (needs {needed} or newer)")
                : CheckResult.Fail(Subject, $"{text} is too old for {piece}: it needs {needed} or newer, so the module files refuse to load here",
                    $"run OGRT.NET on nodes with glibc {needed} or newer");
        }
    }

    /// <summary>The recorded (piece, version) pairs, and what was wrong with the file, if anything.</summary>
    private static (List<(string Piece, Version Needed)> Needs, string? Problem) ReadRequirements(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ([], $"cannot read {path}: {e.Message}");
        }
        var needs = new List<(string, Version)>();
        foreach (string line in lines.Where(line => line.Trim().Length > 0))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2 || !Version.TryParse(fields[1], out var needed))
                return (needs, $"{path}: unrecognised line '{line}' (expected 'PIECE VERSION')");
            needs.Add((fields[0], needed));
        }
        return needs.Count > 0 ? (needs, null) : (needs, $"{path} names no binary");
    }

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial nint GnuGetLibcVersion();
}
