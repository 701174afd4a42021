using System.Diagnostics;
using System.Globalization;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Bench;
using Ogrt.Outputs.Elasticsearch;
using Ogrt.Outputs.Sdk.Buffers;
using Ogrt.Outputs.Splunk;
using Ogrt.Bench.FileOutput;

// Throughput of each output against a local receiver, variants interleaved round by round so
// that machine noise hits them alike; medians and per-round ratios are reported.
// Usage: dotnet run -c Release --project bench/outputs -- [records] [rounds] [batch] [workers]
int totalRecords = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
int batchSize = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000;
int workers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2;

var batches = RealisticRecords.Create(totalRecords / batchSize * batchSize).Chunk(batchSize).Select(batch => batch.ToList()).ToList();
int records = batches.Count * batchSize;
var state = Directory.CreateTempSubdirectory("ogrt-bench-");
await using var receiver = await LoopbackReceiver.StartAsync();
using var socat = SocatSink.TryStart();

var variants = new List<(string Name, Func<IOutput> Create)>
{
    ("es", () => new ElasticsearchOutputFactory().Create(BenchContext.Create("Elasticsearch", new Dictionary<string, string?> { ["Nodes:0"] = receiver.Url.ToString() }, state.FullName))),
    ("es-gzip", () => new ElasticsearchOutputFactory().Create(BenchContext.Create("Elasticsearch", new Dictionary<string, string?> { ["Nodes:0"] = receiver.Url.ToString(), ["Gzip"] = "true" }, state.FullName))),
    ("splunk-hec", () => new SplunkOutputFactory().Create(BenchContext.Create("Splunk", new Dictionary<string, string?> { ["Mode"] = "Hec", ["Url"] = receiver.Url.ToString(), ["Token"] = "bench" }, state.FullName))),
};
if (socat is not null)
    variants.Add(("splunk-tcp", () => new SplunkOutputFactory().Create(BenchContext.Create("Splunk", new Dictionary<string, string?> { ["Mode"] = "Tcp", ["Host"] = "127.0.0.1", ["Port"] = socat.Port.ToString(CultureInfo.InvariantCulture) }, state.FullName))));
else
    Console.WriteLine("socat not found: splunk-tcp skipped (apt-get install socat)");

Console.WriteLine($"{records} records per run, batches of {batchSize}, {workers} concurrent workers, {rounds} rounds, {Environment.ProcessorCount} cores");
var results = variants.ToDictionary(variant => variant.Name, _ => new List<(double RecordsPerSecond, double CpuMicroseconds)>());
var serializeOnly = new List<double>();
await MeasureAsync(variants[0].Create, batches.Take(20).ToList(), workers); // warm-up: JIT, connections
for (int round = 0; round < rounds; round++)
{
    foreach (var (name, create) in variants)
        results[name].Add(await MeasureAsync(create, batches, workers));
    serializeOnly.Add(MeasureBulkSerialization(batches, receiver.Url));
}

Console.WriteLine();
Console.WriteLine($"{"output",-12} {"median rec/s",14} {"min rec/s",12} {"max rec/s",12} {"CPU µs/rec",11}");
foreach (var (name, measurements) in results)
{
    var rates = measurements.Select(m => m.RecordsPerSecond).Order().ToList();
    Console.WriteLine($"{name,-12} {Median(rates),14:N0} {rates[0],12:N0} {rates[^1],12:N0} {Median(measurements.Select(m => m.CpuMicroseconds).ToList()),11:F2}");
}
Console.WriteLine($"{"es-body-only",-12} {Median(serializeOnly),14:N0}   (BulkBodyWriter alone: action lines + canonical JSON, no I/O)");
Console.WriteLine();
Console.WriteLine($"es-gzip / es throughput ratio, median of per-round ratios: {Median(results["es"].Zip(results["es-gzip"], (a, b) => b.RecordsPerSecond / a.RecordsPerSecond).ToList()):F2}");
state.Delete(recursive: true);

async Task<(double RecordsPerSecond, double CpuMicroseconds)> MeasureAsync(Func<IOutput> create, List<List<ProcessRecord>> work, int concurrency)
{
    await using var output = create();
    await output.StartAsync(CancellationToken.None);
    int next = -1;
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < work.Count)
        {
            var result = await output.WriteAsync(work[index], CancellationToken.None);
            if (result.Retry.Count > 0 || result.DeadLettered > 0)
                throw new InvalidOperationException("the receiver refused records");
        }
    })));
    clock.Stop();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    int count = work.Sum(batch => batch.Count);
    return (count / clock.Elapsed.TotalSeconds, cpu.TotalMicroseconds / count);
}

static double MeasureBulkSerialization(List<List<ProcessRecord>> work, Uri node)
{
    var context = BenchContext.Create("Elasticsearch", new Dictionary<string, string?> { ["Nodes:0"] = node.ToString() }, Path.GetTempPath());
    var settings = ElasticsearchSettings.Bind(context);
    using var body = new ByteBuffer(64 * 1024);
    var clock = Stopwatch.StartNew();
    int count = 0;
    foreach (var batch in work)
    {
        var writer = new BulkBodyWriter(settings);
        for (int start = 0; start < batch.Count;)
            start += writer.Write(body, batch, start, settings.Options.MaxBulkRecords, settings.MaxBulkBytes);
        count += batch.Count;
    }
    return count / clock.Elapsed.TotalSeconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
