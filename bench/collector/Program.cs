using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ogrt.Bench.Collector;

// ogrt-load send  --target 127.0.0.1:7971 --rate 50000 --count 1500000 [--shared-objects 40]
// ogrt-load bench --rate 50000 --seconds 30 [--shared-objects 40] [--collector path/ogrt-collector.dll]
//                 [--output-settings ', "Workers": 2']
// ogrt-load decode [--rounds 9] [--shared-objects 40]
var options = ParseOptions(args.Skip(1));
int rate = int.Parse(options.GetValueOrDefault("rate", "50000"), CultureInfo.InvariantCulture);
int sharedObjects = int.Parse(options.GetValueOrDefault("shared-objects", "40"), CultureInfo.InvariantCulture);

switch (args.FirstOrDefault())
{
    case "send":
    {
        var target = IPEndPoint.Parse(options.GetValueOrDefault("target", "127.0.0.1:7971"));
        int count = int.Parse(options.GetValueOrDefault("count", rate.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        double seconds = RateSender.Send(target, count, rate, sharedObjects);
        Console.WriteLine($"sent {count} datagrams in {seconds:F2} s ({count / seconds:F0}/s)");
        return 0;
    }
    case "bench":
        return await RunBenchAsync(options, rate, sharedObjects);
    case "decode":
        DecodeComparison.Run(int.Parse(options.GetValueOrDefault("rounds", "9"), CultureInfo.InvariantCulture), sharedObjects);
        return 0;
    default:
        Console.Error.WriteLine("usage: ogrt-load send --target HOST:PORT --rate N --count N | bench --rate N --seconds N | decode [--rounds N]");
        return 2;
}

static async Task<int> RunBenchAsync(Dictionary<string, string> options, int rate, int sharedObjects)
{
    int seconds = int.Parse(options.GetValueOrDefault("seconds", "30"), CultureInfo.InvariantCulture);
    string root = FindRepositoryRoot();
    string collectorDll = options.GetValueOrDefault("collector", Path.Combine(root, "Ogrt.Collector", "bin", "Release", "net10.0", "ogrt-collector.dll"));
    string plugins = Path.Combine(Path.GetDirectoryName(collectorDll)!, "plugins");
    int count = rate * seconds;

    using var collector = await CollectorRun.StartAsync(collectorDll, plugins, FreeTcpPort(), options.GetValueOrDefault("output-settings", ""));
    double cpuBefore = collector.CpuSeconds();
    double sendSeconds = await Task.Run(() => RateSender.Send(collector.EndPoint, count, rate, sharedObjects));

    // Wait until the collector has taken in and accounted for everything it received.
    double received, settled;
    do
    {
        await Task.Delay(500);
        received = await collector.ScrapeAsync("ogrt_collector_datagrams_received");
        settled = await collector.ScrapeAsync("ogrt_collector_output_written")
                  + await collector.ScrapeAsync("ogrt_collector_output_dropped")
                  + await collector.ScrapeAsync("ogrt_collector_datagrams_malformed")
                  + await collector.ScrapeAsync("ogrt_collector_datagrams_dropped");
    }
    while (settled < received);
    double cpu = collector.CpuSeconds() - cpuBefore;
    double peakRss = collector.PeakRssMiB();
    double dropped = await collector.ScrapeAsync("ogrt_collector_output_dropped") + await collector.ScrapeAsync("ogrt_collector_datagrams_dropped");
    var dropsByReason = (await collector.ScrapeSamplesAsync("ogrt_collector_datagrams_dropped"))
        .Concat(await collector.ScrapeSamplesAsync("ogrt_collector_output_dropped"))
        .ToList();
    int exitCode = await collector.StopAsync();
    long lines = collector.CountLines();

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"rate {rate}/s for {seconds} s ({sharedObjects} shared objects): sent {count} in {sendSeconds:F1} s ({count / sendSeconds:F0}/s), " +
        $"received {received}, written {lines}, lost {count - lines} (kernel {count - received}, counted {dropped}); " +
        $"collector CPU {cpu:F1} s = {100 * cpu / sendSeconds:F0}% of one core, peak RSS {peakRss:F0} MiB, exit {exitCode}"));
    foreach (string sample in dropsByReason)
        Console.WriteLine("  " + sample);
    return lines == count ? 0 : 1;
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

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
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
