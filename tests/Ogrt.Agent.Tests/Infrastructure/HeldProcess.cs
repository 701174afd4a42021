using System.Diagnostics;

namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>
/// A process that runs until the test lets it go: its stdin is a pipe the test holds, and a
/// program that reads stdin to its end (end_of_run.c "wait") exits when it is closed.
/// The environment is the test host's minus OGRT_* and LD_PRELOAD, plus <c>environment</c>.
/// Usage: <c>using var held = HeldProcess.Start(program, ["wait"], variables); …; await held.ReleaseAsync();</c>
/// </summary>
public sealed class HeldProcess : IDisposable
{
    private readonly Process _process;

    private HeldProcess(Process process)
    {
        _process = process;
        _ = process.StandardError.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    public static HeldProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (string name in start.Environment.Keys.Where(name => name.StartsWith("OGRT_", StringComparison.Ordinal) || name == "LD_PRELOAD").ToList())
            start.Environment.Remove(name);
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
            start.Environment[name] = value;
        return new HeldProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}"));
    }

    /// <summary>The first line it printed (waits for it).</summary>
    public async Task<string> FirstLineAsync() => await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) ?? "";

    /// <summary>Closes its stdin and waits for it to exit; returns its exit code.</summary>
    public async Task<int> ReleaseAsync()
    {
        _process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(ExternalCommand.DefaultTimeout);
        await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
