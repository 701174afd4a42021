using System.Runtime.InteropServices;

namespace Ogrt.Cli.Doctor;

/// <summary>
/// OGRT_FILTER as the agent reads it: ':'-separated '+glob' (track) / '-glob' (skip) rules,
/// fnmatch(3) without flags on the real executable path, first match wins, no match tracks.
/// Rules the agent would silently ignore are reported; given executables are evaluated.
/// </summary>
internal static partial class FilterCheck
{
    public static IEnumerable<CheckResult> Run(InstallLayout layout, IReadOnlyList<string> executables)
    {
        string? filter = Environment.GetEnvironmentVariable("OGRT_FILTER");
        string[] rules = (filter ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        string[] malformed = rules.Where(rule => rule.Length < 2 || (rule[0] != '+' && rule[0] != '-')).ToArray();
        if (filter is null)
            yield return CheckResult.Ok("OGRT_FILTER", "not set: the agent's built-in rules apply");
        else if (malformed.Length > 0)
            yield return CheckResult.Fail("OGRT_FILTER", $"the agent ignores the malformed rule(s) {string.Join(", ", malformed.Select(r => $"'{r}'"))}",
                $"start every rule with + (track) or - (skip) followed by a glob, in {layout.SiteConf}");
        else
            yield return CheckResult.Ok("OGRT_FILTER", $"{rules.Length} rule(s)");

        if (filter is null)
            yield break;
        foreach (string executable in executables)
        {
            string real = RealPath(executable);
            string? deciding = rules.Except(malformed).FirstOrDefault(rule => FnMatch(rule[1..], real, 0) == 0);
            yield return deciding switch
            {
                null => CheckResult.Ok("OGRT_FILTER", $"{real} is tracked (no rule matches)"),
                ['+', ..] => CheckResult.Ok("OGRT_FILTER", $"{real} is tracked (rule '{deciding}')"),
                _ => CheckResult.Warn("OGRT_FILTER", $"{real} is NOT tracked (rule '{deciding}')", $"put a '+' rule before '{deciding}' in {layout.SiteConf} to track it"),
            };
        }
    }

    // The agent matches /proc/self/exe, where every symlink (also /bin -> /usr/bin) is resolved;
    // a path that does not exist is taken as given.
    private static string RealPath(string path)
    {
        nint resolved = RealPath(path, 0);
        if (resolved == 0)
            return Path.GetFullPath(path);
        try
        {
            return Marshal.PtrToStringUTF8(resolved) ?? path;
        }
        finally
        {
            Free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);

    [LibraryImport("libc", EntryPoint = "fnmatch", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FnMatch(string pattern, string name, int flags);
}
