using System.Diagnostics;
using Ogrt.Cli.Interop;

namespace Ogrt.Cli.Doctor;

/// <summary>
/// Is the watermarking wrapper the `ld` that gets run: first in PATH, and the one gcc picks
/// (gcc searches COMPILER_PATH before its own directories). Files are compared by identity, so
/// a symlink to the wrapper counts as the wrapper.
/// </summary>
internal static class LinkerWrapperCheck
{
    public static IEnumerable<CheckResult> Run(InstallLayout layout)
    {
        string fix = $"module load ogrt, or: export PATH={layout.WrapperDirectory}:$PATH COMPILER_PATH={layout.WrapperDirectory}${{COMPILER_PATH:+:$COMPILER_PATH}}";
        if (!FileStatus.TryGet(layout.Wrapper, out var wrapper, out _))
        {
            yield return CheckResult.Fail("linker wrapper", $"{layout.Wrapper} is not installed: binaries linked here get no watermark", "reinstall OGRT");
            yield break;
        }

        string? first = FirstOnPath("ld");
        yield return first switch
        {
            null => CheckResult.Fail("PATH", "no ld in PATH", fix),
            _ when IsWrapper(first, wrapper) => CheckResult.Ok("PATH", $"the first ld is the wrapper ({first})"),
            _ => CheckResult.Fail("PATH", $"the first ld is {first}, not the wrapper {layout.Wrapper}", fix),
        };

        string? gcc = FirstOnPath("gcc");
        if (gcc is null)
        {
            yield return CheckResult.Ok("COMPILER_PATH", "no gcc in PATH to check");
            yield break;
        }
        string? chosen = GccLinker(gcc);
        yield return chosen switch
        {
            null => CheckResult.Warn("COMPILER_PATH", $"could not ask {gcc} which ld it runs"),
            _ when IsWrapper(chosen, wrapper) => CheckResult.Ok("COMPILER_PATH", $"gcc links with the wrapper ({chosen})"),
            _ => CheckResult.Fail("COMPILER_PATH", $"gcc links with {chosen}, not the wrapper", fix),
        };
    }

    private static bool IsWrapper(string path, FileStatus wrapper) =>
        FileStatus.TryGet(path, out var status, out _) && status.Identity == wrapper.Identity;

    private static string? FirstOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Join(directory, name))
            .FirstOrDefault(candidate => FileStatus.TryGet(candidate, out var status, out _)
                && status.IsRegularFile && LibC.Access(candidate, LibC.ExecutableAccess) == 0);

    // `gcc -print-prog-name=ld` prints the path of the ld it would run, or just "ld" when it
    // would search PATH.
    private static string? GccLinker(string gcc)
    {
        var start = new ProcessStartInfo(gcc, ["-print-prog-name=ld"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null)
                return null;
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || output.Length == 0)
                return null;
            return output.Contains('/') ? output : FirstOnPath(output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
