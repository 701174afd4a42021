using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Ogrt.Agent.Tests.Infrastructure;

/// <summary>
/// A real ogrt-agent-service bound to a socket in a scratch directory, sending to a test
/// collector; its counters file is read back for assertions.
/// Usage: <c>using var service = await CaptureServiceProcess.StartAsync(listener.CollectorAddress);</c>
/// </summary>
public sealed class CaptureServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private CaptureServiceProcess(Process process, string socketPath, string countersPath)
    {
        _process = process;
        SocketPath = socketPath;
        CountersPath = countersPath;
    }

    public string SocketPath { get; }

    public string CountersPath { get; }

    public int Pid => _process.Id;

    /// <summary>What the service wrote to stderr (its journal lines).</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>The variables that send a tracked process's capture to this service only.</summary>
    public IReadOnlyDictionary<string, string> AgentVariables => new Dictionary<string, string>
    {
        ["OGRT_CAPTURE"] = "service",
        ["OGRT_AGENT_SOCKET"] = SocketPath,
    };

    public static Task<CaptureServiceProcess> StartAsync(string collector, params string[] extraArguments) =>
        StartUnderAsync([], collector, extraArguments);

    /// <summary>
    /// Starts the service through <paramref name="launcher"/> (a command that execs the rest of
    /// its arguments, e.g. <c>["setpriv", "--bounding-set", "-net_admin", "--"]</c>).
    /// </summary>
    public static async Task<CaptureServiceProcess> StartUnderAsync(string[] launcher, string collector, params string[] extraArguments)
    {
        string executable = await AgentBuild.GetServiceExecutableAsync().ConfigureAwait(false);
        string directory = TestScratch.CreateDirectory("service-run");
        string socketPath = Path.Combine(directory, "agent.sock");
        string countersPath = Path.Combine(directory, "counters");
        var start = new ProcessStartInfo(launcher.Length > 0 ? launcher[0] : executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var launcherArguments = launcher.Length > 0 ? [.. launcher[1..], executable] : Array.Empty<string>();
        foreach (string argument in launcherArguments.Concat(["--socket", socketPath, "--collector", collector, "--counters", countersPath]).Concat(extraArguments))
            start.ArgumentList.Add(argument);
        foreach (string name in start.Environment.Keys.Where(name => name.StartsWith("OGRT_", StringComparison.Ordinal) || name.StartsWith("LISTEN_", StringComparison.Ordinal) || name == "LD_PRELOAD").ToList())
            start.Environment.Remove(name);
        var process = Process.Start(start) ?? throw new InvalidOperationException("the capture service did not start");
        var service = new CaptureServiceProcess(process, socketPath, countersPath);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (!service.Log.Contains("receiving on", StringComparison.Ordinal))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                service.Dispose();
                throw new InvalidOperationException($"the capture service did not come up:\n{service.Log}");
            }
            await Task.Delay(10).ConfigureAwait(false);
        }
        return service;
    }

    /// <summary>A listener whose tracked processes go through a new service (or, for Fork, through the fork path only).</summary>
    public static async Task<ProcessInfoListener> StartListenerAsync(CapturePath path)
    {
        var listener = new ProcessInfoListener();
        if (path == CapturePath.Service)
        {
            var service = await StartAsync(listener.CollectorAddress).ConfigureAwait(false);
            listener.Attach(service, service.AgentVariables);
        }
        else
        {
            listener.Attach(NothingToStop.Instance, new Dictionary<string, string> { ["OGRT_CAPTURE"] = "fork" });
        }
        return listener;
    }

    /// <summary>The counters the service last wrote (it writes them every 2 s and on exit).</summary>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        if (!File.Exists(CountersPath))
            return new Dictionary<string, long>();
        return File.ReadAllLines(CountersPath)
            .Select(line => line.Split(' ', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>SIGTERM, as systemd stops it; returns the exit code.</summary>
    public int Stop()
    {
        if (!_process.HasExited)
        {
            ProcessSignal.Send(_process.Id, "TERM");
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                _process.Kill();
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }

    private sealed class NothingToStop : IDisposable
    {
        public static readonly NothingToStop Instance = new();

        public void Dispose()
        {
        }
    }
}
