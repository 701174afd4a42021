using System.Diagnostics;

namespace Ogrt.Deployment.Tests;

/// <summary>
/// Runs a bash script in a clean environment (only what a login on a fresh node would have), so
/// the test runner's own variables, LD_PRELOAD among them, cannot leak into what is asserted.
/// </summary>
public static class BashScript
{
    /// <summary>Generous: the machine is small and shared, and module commands spawn interpreters.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    public static ShellResult Run(string script, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("/bin/bash", ["--noprofile", "--norc", "-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
        start.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? "/root";
        start.Environment["USER"] = Environment.UserName;
        start.Environment["TMPDIR"] = Path.GetTempPath();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"bash did not finish within {timeout ?? DefaultTimeout}:\n{script}\n--- stdout ---\n{output.Result}\n--- stderr ---\n{error.Result}");
        }
        return new ShellResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Quotes a value for bash (single quotes, embedded ones escaped).</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
