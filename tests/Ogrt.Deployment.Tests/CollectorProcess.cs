using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ogrt.Deployment.Tests;

/// <summary>
/// The installed collector, started on free loopback ports with its Prometheus endpoint on and
/// the File output writing into a temporary directory; killed on dispose.
/// </summary>
public sealed class CollectorProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly Process process;
    private readonly StringWriter log = new();

    public CollectorProcess(string prefix)
    {
        Port = FreePort(SocketType.Dgram, ProtocolType.Udp);
        MetricsPort = FreePort(SocketType.Stream, ProtocolType.Tcp);
        string work = InstalledTree.NewDirectory("collector");
        var start = new ProcessStartInfo(Path.Combine(prefix, "collector/ogrt-collector"),
        [
            "--Collector:Address=127.0.0.1", $"--Collector:Port={Port}",
            $"--Collector:StateDirectory={work}/state", $"--Outputs:File:Path={work}/records",
            "--Metrics:Prometheus:Enabled=true", "--Metrics:Prometheus:Host=127.0.0.1", $"--Metrics:Prometheus:Port={MetricsPort}",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Not preloaded by whatever the test runner has: the collector is not a tracked process here.
        start.Environment.Remove("LD_PRELOAD");
        process = Process.Start(start) ?? throw new InvalidOperationException("the collector did not start");
        process.OutputDataReceived += (_, line) => Log(line.Data);
        process.ErrorDataReceived += (_, line) => Log(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        WaitUntilScrapable();
    }

    public int Port { get; }

    public int MetricsPort { get; }

    public string MetricsUrl => $"http://127.0.0.1:{MetricsPort}/metrics";

    public string Log()
    {
        lock (log)
            return log.ToString();
    }

    private void Log(string? line)
    {
        if (line is null)
            return;
        lock (log)
            log.WriteLine(line);
    }

    private void WaitUntilScrapable()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                Assert.Fail($"the collector exited with {process.ExitCode}:\n{Log()}");
            try
            {
                http.GetStringAsync(MetricsUrl).GetAwaiter().GetResult();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Thread.Sleep(200);
            }
        }
        Assert.Fail($"the collector's metrics endpoint {MetricsUrl} did not answer within {StartTimeout}:\n{Log()}");
    }

    // A port the kernel just handed out and that is free again; nothing else on this machine
    // asks for a fixed port in the ephemeral range.
    private static int FreePort(SocketType type, ProtocolType protocol)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
        log.Dispose();
    }
}
