using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Ogrt.Bench.Collector;

/// <summary>
/// The built collector as a child process with the File output into a temp directory and the
/// Prometheus endpoint on, so the bench can read its counters, CPU time and peak RSS.
/// </summary>
internal sealed partial class CollectorRun : IDisposable
{
    private readonly Process _process;
    private readonly HttpClient _metrics;
    private readonly string _directory;

    private CollectorRun(Process process, HttpClient metrics, string directory, IPEndPoint endPoint)
    {
        _process = process;
        _metrics = metrics;
        _directory = directory;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }
    public string RecordsDirectory => Path.Combine(_directory, "records");

    public static async Task<CollectorRun> StartAsync(string repositoryRoot, string collectorDll, string pluginsDirectory, int metricsPort, string extraSettings, CpuSet? cpus)
    {
        string directory = Directory.CreateTempSubdirectory("ogrt-collector-bench-").FullName;
        string config = Path.Combine(directory, "appsettings.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "Logging": { "LogLevel": { "Default": "Warning" } },
              "Collector": { "Address": "127.0.0.1", "Port": 0, "StateDirectory": "{{Path.Combine(directory, "state")}}",
                             "PluginsDirectory": "{{pluginsDirectory}}" },
              "Outputs": { "File": { "Path": "{{Path.Combine(directory, "records")}}", "Rotation": "None" {{extraSettings}} } },
              "Metrics": { "Prometheus": { "Enabled": true, "Host": "localhost", "Port": {{metricsPort}} } }
            }
            """);
        string[] command = ["dotnet", collectorDll, "--config", config, "--Logging:LogLevel:Ogrt.Collector.Receiving.UdpReceiver=Information"];
        // taskset execs the collector, so the child's pid stays the collector's.
        if (cpus is not null)
            command = ["taskset", "-c", cpus.List, .. command];
        var startInfo = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in ShippedEnvironment(repositoryRoot))
        {
            // A variable set for the bench (e.g. by ab.sh) wins, so settings can be compared.
            if (Environment.GetEnvironmentVariable(name) is null)
                startInfo.Environment[name] = value;
        }
        var process = Process.Start(startInfo)!;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                // Keep draining stdout so the collector never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync();
                var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{metricsPort}/") };
                await WaitForMetricsAsync(http);
                return new CollectorRun(process, http, directory, IPEndPoint.Parse(match.Groups["endpoint"].Value));
            }
        }
        throw new InvalidOperationException($"The collector exited with {process.ExitCode} before listening.");
    }

    /// <summary>The Environment= settings of the systemd unit shipped with the build, so the bench runs the collector as installed.</summary>
    private static IEnumerable<(string Name, string Value)> ShippedEnvironment(string repositoryRoot)
    {
        string unit = Path.Combine(repositoryRoot, "packaging", "systemd", "ogrt-collector.service");
        return File.ReadLines(unit)
            .Where(line => line.StartsWith("Environment=", StringComparison.Ordinal))
            .SelectMany(line => line["Environment=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(assignment => assignment.Split('=', 2))
            .Select(parts => (parts[0], parts[1]));
    }

    /// <summary>The Prometheus listener starts a moment after the socket is bound.</summary>
    private static async Task WaitForMetricsAsync(HttpClient http)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await http.GetStringAsync("metrics");
                return;
            }
            catch (HttpRequestException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// One read of the Prometheus endpoint: take the figures a moment needs from one snapshot,
    /// since every read makes the measured collector render all its metrics.
    /// </summary>
    public async Task<MetricsSnapshot> ScrapeAsync() => new(await _metrics.GetStringAsync("metrics"));

    /// <summary>User + system CPU seconds the collector has used.</summary>
    public double CpuSeconds() => CpuSecondsOf($"/proc/{_process.Id}/stat");

    /// <summary>CPU seconds of the collector's threads called <paramref name="threadName"/> (as the kernel truncates it, 15 characters).</summary>
    public double ThreadCpuSeconds(string threadName) =>
        Directory.GetDirectories($"/proc/{_process.Id}/task")
            .Select(task => Path.Combine(task, "stat"))
            .Where(stat => ReadOrEmpty(Path.Combine(Path.GetDirectoryName(stat)!, "comm")).TrimEnd('\n') == threadName)
            .Sum(CpuSecondsOf);

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return ""; // The thread has exited.
        }
    }

    private static double CpuSecondsOf(string statPath)
    {
        string stat = ReadOrEmpty(statPath);
        if (stat.Length == 0)
            return 0;
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat (utime, stime), counted after the command name; clock ticks of 1/100 s.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Peak resident set size in MiB (VmHWM).</summary>
    public double PeakRssMiB() => StatusMiB("VmHWM:");

    /// <summary>Resident set size now, in MiB (VmRSS).</summary>
    public double RssMiB() => StatusMiB("VmRSS:");

    private double StatusMiB(string field)
    {
        string line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>SIGTERM, as systemd stops it; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    public long CountLines() =>
        Directory.GetFiles(RecordsDirectory, "*.jsonl").Sum(file => File.ReadLines(file).LongCount());

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
        _metrics.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The text of one read of the metrics endpoint.</summary>
    public sealed class MetricsSnapshot(string text)
    {
        private readonly string[] _lines = text.Split('\n');

        /// <summary>The sum of every sample of a Prometheus metric (0 if not exported yet).</summary>
        public double Sum(string name) => SumOf(Samples(name));

        /// <summary>The sum of the values of sample lines (<see cref="Samples"/>, or some of them).</summary>
        public static double SumOf(IEnumerable<string> samples) =>
            samples.Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

        /// <summary>The sample lines of a Prometheus metric, e.g. to show drops by reason.</summary>
        public IReadOnlyList<string> Samples(string name) =>
            _lines.Where(line => line.StartsWith(name, StringComparison.Ordinal)).ToList();
    }

    [GeneratedRegex(@"Listening for agent datagrams on UDP (?<endpoint>\S+) \(")]
    private static partial Regex ListeningLine();
}
