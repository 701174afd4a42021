using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Ogrt.Bench.FileOutput;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.File;
using Ogrt.Protocol;

// Usage: dotnet run -c Release --project bench/file-output [-- <rounds> <records-per-run> <directory>]
// Runs the scenarios interleaved, round after round, and reports medians, so drift and noise
// on a shared machine hit every scenario alike.
var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
var recordsPerRun = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
var root = args.Length > 2 ? args[2] : Path.GetTempPath();
const int BatchSize = 256;

var records = RealisticRecords.Create(4096);
var lineBytes = ProcessRecordJson.ToUtf8Bytes(records[0]).Length + 1;
Console.WriteLine($"records: {records[0].GetMessages(ProcessInfo.SharedObjectsFieldNumber).Count} shared objects, {records[0].GetTexts(ProcessInfo.EnvironmentVariablesFieldNumber).Count} env vars, ~{lineBytes} bytes per line; batch {BatchSize}; {recordsPerRun} records per run; {rounds} rounds; files in {root}");

var fileRuns = new Dictionary<int, List<RunResult>> { [1] = [], [4] = [] };
var reusedWriter = new List<RunResult>();
var writerPerRecord = new List<RunResult>();

// Warm-up: JIT and tiering for every path, not measured.
WriteFiles(1, recordsPerRun / 4);
WriteFiles(4, recordsPerRun / 4);
SerializeWithReusedWriter(recordsPerRun);
SerializeWithWriterPerRecord(recordsPerRun);

for (var round = 0; round < rounds; round++)
{
    fileRuns[1].Add(WriteFiles(1, recordsPerRun));
    reusedWriter.Add(SerializeWithReusedWriter(recordsPerRun));
    fileRuns[4].Add(WriteFiles(4, recordsPerRun));
    writerPerRecord.Add(SerializeWithWriterPerRecord(recordsPerRun));
}

Console.WriteLine();
Console.WriteLine("| scenario | records/s (median) | records/s (min–max) | MB/s | allocated bytes/record (median) |");
Console.WriteLine("|---|---:|---:|---:|---:|");
Report("File output, 1 worker", fileRuns[1]);
Report("File output, 4 workers", fileRuns[4]);
Report("serialize only, JsonLinesBuffer (reused Utf8JsonWriter)", reusedWriter);
Report("serialize only, ProcessRecordJson.WriteLine per record", writerPerRecord);
Console.WriteLine();
Console.WriteLine($"4 workers / 1 worker throughput: median of per-round ratios {MedianRatio(fileRuns[4], fileRuns[1]):F2}");
Console.WriteLine($"reused writer / writer per record throughput: median of per-round ratios {MedianRatio(reusedWriter, writerPerRecord):F2}");

RunResult WriteFiles(int workers, int count)
{
    var directory = Path.Combine(root, $"ogrt-bench-file-{Environment.ProcessId}-{Guid.NewGuid():N}");
    try
    {
        var output = CreateOutput(directory);
        output.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        var batches = count / BatchSize;
        var next = -1;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            var batch = new ProcessRecord[BatchSize];
            for (var b = Interlocked.Increment(ref next); b < batches; b = Interlocked.Increment(ref next))
            {
                Array.Copy(records, (b * BatchSize) % (records.Length - BatchSize), batch, 0, BatchSize);
                await output.WriteAsync(batch, CancellationToken.None);
            }
        })).ToArray();
        Task.WaitAll(tasks);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return new RunResult(batches * BatchSize, clock.Elapsed, allocated, (long)batches * BatchSize * lineBytes);
    }
    finally
    {
        Directory.Delete(directory, recursive: true);
    }
}

RunResult SerializeWithReusedWriter(int count)
{
    using var buffer = new JsonLinesBuffer();
    return Measure(count, () =>
    {
        for (var i = 0; i < count; i++)
        {
            buffer.TryAppend(records[i % records.Length], out _);
            if (i % BatchSize == BatchSize - 1)
                buffer.Clear();
        }
    });
}

RunResult SerializeWithWriterPerRecord(int count)
{
    var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
    return Measure(count, () =>
    {
        for (var i = 0; i < count; i++)
        {
            ProcessRecordJson.WriteLine(buffer, records[i % records.Length]);
            if (i % BatchSize == BatchSize - 1)
                buffer.ResetWrittenCount();
        }
    });
}

RunResult Measure(int count, Action run)
{
    var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    var clock = Stopwatch.StartNew();
    run();
    clock.Stop();
    return new RunResult(count, clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore, (long)count * lineBytes);
}

IOutput CreateOutput(string directory)
{
    var configuration = new ConfigurationBuilder()
        // The plugin's settings as the collector hands them over: without the pipeline's (Type…).
        .AddInMemoryCollection([KeyValuePair.Create("Outputs:Bench:Path", (string?)directory)])
        .Build();
    return new FileOutputFactory().Create(new OutputContext
    {
        Name = "Bench",
        Configuration = configuration.GetSection("Outputs:Bench"),
        Logger = NullLogger.Instance,
        Meter = new Meter("Ogrt.Bench.FileOutput"),
        MetricTags = new TagList { { "output", "Bench" }, { "type", "File" } },
        StateDirectory = directory,
        ContentRoot = directory,
    });
}

static void Report(string scenario, List<RunResult> runs)
{
    var perSecond = Median(runs.Select(r => r.RecordsPerSecond));
    var megabytes = Median(runs.Select(r => r.Bytes / r.Elapsed.TotalSeconds / 1e6));
    var allocated = Median(runs.Select(r => (double)r.AllocatedBytes / r.Records));
    var slowest = runs.Min(r => r.RecordsPerSecond);
    var fastest = runs.Max(r => r.RecordsPerSecond);
    Console.WriteLine($"| {scenario} | {perSecond:N0} | {slowest:N0}–{fastest:N0} | {megabytes:N0} | {allocated:N1} |");
}

static double MedianRatio(List<RunResult> a, List<RunResult> b) =>
    Median(a.Zip(b, (x, y) => x.RecordsPerSecond / y.RecordsPerSecond));

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
