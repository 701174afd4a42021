using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Ogrt.Collector.Tests.Support;

/// <summary>The built collector run as its own process (<c>dotnet ogrt-collector.dll</c>), output captured.</summary>
internal sealed partial class CollectorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CollectorProcess(Process process)
    {
        _process = process;
    }

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
                return _stdout.ToString();
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    public int Id => _process.Id;

    public static CollectorProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts it with <paramref name="environment"/> added to a cleaned copy of the runner's.</summary>
    public static CollectorProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        string dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var startInfo = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryLayout.CollectorOutput,
        };
        startInfo.ArgumentList.Add(Path.Combine(RepositoryLayout.CollectorOutput, "ogrt-collector.dll"));
        foreach (string arg in args)
            startInfo.ArgumentList.Add(arg);
        // The collector must not pick up the test runner's settings (or a journal it runs under).
        foreach (string name in startInfo.Environment.Keys.Where(k => k.StartsWith("OGRT_", StringComparison.Ordinal) || k is "JOURNAL_STREAM" or "NOTIFY_SOCKET").ToList())
            startInfo.Environment.Remove(name);
        foreach (var (name, value) in environment)
            startInfo.Environment[name] = value;

        var process = new Process { StartInfo = startInfo };
        var collector = new CollectorProcess(process);
        process.OutputDataReceived += (_, e) => Append(collector._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(collector._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return collector;
    }

    /// <summary>Waits for the "Listening" log line and returns the bound endpoint.</summary>
    public async Task<IPEndPoint> WaitUntilListeningAsync()
    {
        Match match = Match.Empty;
        await Poll.UntilAsync(() => (match = ListeningLine().Match(StandardOutput)).Success || _process.HasExited,
            "the collector logs its UDP endpoint");
        if (!match.Success)
            Assert.Fail($"The collector exited with {_process.ExitCode}:\n{StandardOutput}\n{StandardError}");
        return IPEndPoint.Parse(match.Groups["endpoint"].Value);
    }

    /// <summary>Sends SIGTERM, as systemd does on stop, and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        return await WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
            return;
        lock (builder)
            builder.AppendLine(line);
    }

    [GeneratedRegex(@"Listening for agent datagrams on UDP (?<endpoint>\S+) \(")]
    private static partial Regex ListeningLine();
}
