using System.Diagnostics;

namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>
/// Runs a program to completion and captures its output; the building block of
/// <see cref="AgentProcess"/>, <see cref="CCompiler"/> and <see cref="AgentBuild"/>.
/// The environment is the test host's minus every OGRT_* and LD_PRELOAD variable, plus
/// <paramref name="environment"/> (a null value removes a variable).
/// Usage: <c>var result = await ExternalCommand.RunAsync("gcc", ["--version"]);</c>
/// </summary>
public static class ExternalCommand
{
    /// <summary>Generous: this runs on a slow, shared 2-core machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (string argument in arguments)
            startInfo.ArgumentList.Add(argument);
        foreach (string name in startInfo.Environment.Keys.ToList())
        {
            if (name.StartsWith("OGRT_", StringComparison.Ordinal) || name == "LD_PRELOAD")
                startInfo.Environment.Remove(name);
        }
        if (environment is not null)
        {
            foreach ((string name, string? value) in environment)
            {
                if (value is null)
                    startInfo.Environment.Remove(name);
                else
                    startInfo.Environment[name] = value;
            }
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {fileName}");
        int pid = process.Id;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            // Waits for exit and for end-of-file on both pipes: a descriptor held open by a
            // leftover process shows up here as a timeout.
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return new ProcessResult(pid, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"{fileName} {string.Join(' ', startInfo.ArgumentList)} did not finish (exit and end-of-file on stdout/stderr) within {timeout ?? DefaultTimeout}");
        }
    }
}
