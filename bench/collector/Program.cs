using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ogrt.Bench.Collector;

// ogrt-load send  --target 127.0.0.1:7971 --rate 50000 --count 1500000 [--shared-objects 40] [--rank-environment yes]
// ogrt-load bench --rate 50000 --seconds 30 [--shared-objects 40] [--rank-environment yes] [--collector path/ogrt-collector.dll]
//                 [--output-settings ', "Workers": 2'] [--collector-cpus 1] [--sender-cpus 0] [--timeline yes]
// ogrt-load decode [--rounds 9] [--shared-objects 40] [--rank-environment yes]
// The collector's socket thread, as /proc shows its name (cut to 15 characters).
const string ReceiveThread = "ogrt-udp-receiv";

var options = ParseOptions(args.Skip(1));
int rate = int.Parse(options.GetValueOrDefault("rate", "50000"), CultureInfo.InvariantCulture);
var shape = new CorpusShape(
    int.Parse(options.GetValueOrDefault("shared-objects", "40"), CultureInfo.InvariantCulture),
    options.GetValueOrDefault("rank-environment", "no") == "yes");

switch (args.FirstOrDefault())
{
    case "send":
    {
        var target = IPEndPoint.Parse(options.GetValueOrDefault("target", "127.0.0.1:7971"));
        int count = int.Parse(options.GetValueOrDefault("count", rate.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        double seconds = new RateSender().Send(target, count, rate, shape);
        Console.WriteLine($"sent {count} datagrams in {seconds:F2} s ({count / seconds:F0}/s)");
        return 0;
    }
    case "bench":
        return await RunBenchAsync(options, rate, shape);
    case "decode":
        DecodeComparison.Run(int.Parse(options.GetValueOrDefault("rounds", "9"), CultureInfo.InvariantCulture), shape);
        return 0;
    default:
        Console.Error.WriteLine("usage: ogrt-load send --target HOST:PORT --rate N --count N | bench --rate N --seconds N | decode [--rounds N]");
        return 2;
}

static async Task<int> RunBenchAsync(Dictionary<string, string> options, int rate, CorpusShape shape)
{
    int seconds = int.Parse(options.GetValueOrDefault("seconds", "30"), CultureInfo.InvariantCulture);
    // Absolute: the collector resolves its plugins directory against its own base directory.
    string collectorDll = Path.GetFullPath(options.GetValueOrDefault("collector", Path.Combine(FindRepositoryRoot(AppContext.BaseDirectory), "Ogrt.Collector", "bin", "Release", "net10.0", "ogrt-collector.dll")));
    // The tree the collector was built in: its systemd unit is what that build ships with.
    string root = FindRepositoryRoot(Path.GetDirectoryName(collectorDll)!);
    string plugins = Path.Combine(Path.GetDirectoryName(collectorDll)!, "plugins");
    var collectorCpus = options.TryGetValue("collector-cpus", out string? collectorList) ? CpuSet.Parse(collectorList) : null;
    var senderCpus = options.TryGetValue("sender-cpus", out string? senderList) ? CpuSet.Parse(senderList) : null;
    int count = rate * seconds;

    using var collector = await CollectorRun.StartAsync(root, collectorDll, plugins, FreeTcpPort(), options.GetValueOrDefault("output-settings", ""), collectorCpus);
    double cpuBefore = collector.CpuSeconds();
    double receiveCpuBefore = collector.ThreadCpuSeconds(ReceiveThread);
    var runtimeBefore = RuntimeCounters.From(await collector.ScrapeAsync());
    var sender = new RateSender();
    var sending = SendOnOwnThreadAsync(() => sender.Send(collector.EndPoint, count, rate, shape, senderCpus));
    if (options.ContainsKey("timeline"))
        await Timeline.PrintAsync(collector, sender, sending);
    double sendSeconds = await sending;

    // Wait until the collector has taken in and accounted for everything it received.
    double received, settled;
    do
    {
        await Task.Delay(500);
        var metrics = await collector.ScrapeAsync();
        received = metrics.Sum("ogrt_collector_datagrams_received");
        settled = metrics.Sum("ogrt_collector_output_written")
                  + metrics.Sum("ogrt_collector_output_dropped")
                  + metrics.Sum("ogrt_collector_datagrams_malformed")
                  + metrics.Sum("ogrt_collector_datagrams_dropped");
    }
    while (settled < received);
    double cpu = collector.CpuSeconds() - cpuBefore;
    double receiveCpu = collector.ThreadCpuSeconds(ReceiveThread) - receiveCpuBefore;
    var final = await collector.ScrapeAsync();
    var runtime = RuntimeCounters.From(final) - runtimeBefore;
    double peakRss = collector.PeakRssMiB();
    double queueDrops = final.Sum("ogrt_collector_datagrams_dropped");
    double outputDrops = final.Sum("ogrt_collector_output_dropped");
    var dropsByReason = final.Samples("ogrt_collector_datagrams_dropped")
        .Concat(final.Samples("ogrt_collector_output_dropped"))
        .ToList();
    int exitCode = await collector.StopAsync();
    long lines = collector.CountLines();

    // One line per run, so runs of two builds can be compared with grep and sort.
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"rate {rate}/s x {seconds} s: sent {count} ({count / sendSeconds:F0}/s), written {lines}, " +
        $"kernel drops {count - received}, queue drops {queueDrops}, output drops {outputDrops}, " +
        $"CPU {1e6 * cpu / Math.Max(received, 1):F1} us/record ({100 * cpu / sendSeconds:F0}% of a core; receive thread {1e6 * receiveCpu / Math.Max(received, 1):F1}), " +
        $"{runtime.Describe(received)}, peak RSS {peakRss:F0} MiB, exit {exitCode}" +
        $"{(collectorCpus is null ? "" : $", collector on CPUs {collectorCpus.List}")}{(senderCpus is null ? "" : $", sender on CPUs {senderCpus.List}")}"));
    foreach (string sample in dropsByReason)
        Console.WriteLine("  " + sample);
    return lines == count ? 0 : 1;
}

// A thread of its own, so pinning it to the sender's CPUs does not pin a thread-pool thread.
static Task<double> SendOnOwnThreadAsync(Func<double> send)
{
    var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
    var thread = new Thread(() =>
    {
        try
        {
            done.SetResult(send());
        }
        catch (Exception e)
        {
            done.SetException(e);
        }
    }) { Name = "ogrt-load-send" };
    thread.Start();
    return done.Task;
}

static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    using var enumerator = args.GetEnumerator();
    while (enumerator.MoveNext())
    {
        string key = enumerator.Current.TrimStart('-');
        options[key] = enumerator.MoveNext() ? enumerator.Current : throw new ArgumentException($"--{key} needs a value");
    }
    return options;
}

static string FindRepositoryRoot(string start)
{
    for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Ogrt.sln")))
            return directory.FullName;
    }
    throw new InvalidOperationException("Run from inside the repository.");
}

static int FreeTcpPort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
