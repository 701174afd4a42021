using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;

namespace Ogrt.Outputs.File.Tests;

public sealed class ConcurrentWriteTests : TempDirectoryTest
{
    private const int Workers = 8;
    private const int BatchesPerWorker = 200;
    private const int RecordsPerBatch = 5;

    [Test]
    public async Task ManyWorkersWriteEveryRecordExactlyOnceOnItsOwnLine()
    {
        var output = await OutputUnderTest.StartAsync(Settings());

        await RunWorkersAsync(output);
        await output.DisposeAsync();

        var pids = OutputFiles.AllPids(OutputPath);
        Assert.That(pids, Has.Count.EqualTo(Workers * BatchesPerWorker * RecordsPerBatch));
        Assert.That(pids, Is.EquivalentTo(Enumerable.Range(0, Workers * BatchesPerWorker * RecordsPerBatch)));
    }

    [Test]
    public async Task ManyWorkersAcrossSizeRotationsKeepBatchesWholeAndFilesUnderTheCap()
    {
        const long cap = 64 * 1024;
        var output = await OutputUnderTest.StartAsync(Settings(("Rotation", "Size"), ("MaxFileBytes", cap.ToString())));

        await RunWorkersAsync(output);
        await output.DisposeAsync();

        var files = OutputFiles.List(OutputPath);
        Assert.That(files, Has.Length.GreaterThan(10));
        foreach (var file in files)
        {
            Assert.That(new FileInfo(Path.Combine(OutputPath, file)).Length, Is.LessThanOrEqualTo(cap), file);
            // A batch is appended in one piece, so every file holds whole batches.
            Assert.That(OutputFiles.Pids(Path.Combine(OutputPath, file)).Count % RecordsPerBatch, Is.Zero, file);
        }
        Assert.That(OutputFiles.AllPids(OutputPath), Is.EquivalentTo(Enumerable.Range(0, Workers * BatchesPerWorker * RecordsPerBatch)));
    }

    [Test]
    public async Task ManyWorkersAcrossDailyRotationsLoseAndDuplicateNothing()
    {
        // The day changes under the workers' feet: every read of the clock moves it on, six hours
        // every 100 batches.
        var step = TimeSpan.FromHours(6) / 100;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero)) { AutoAdvanceAmount = step };
        var output = await OutputUnderTest.StartAsync(Settings(), clock);

        await RunWorkersAsync(output);
        await output.DisposeAsync();

        var files = OutputFiles.List(OutputPath);
        // One read at start and one per batch: 1 + 1600 reads span 4 days, 5 files.
        long reads = (clock.GetUtcNow() - clock.Start).Ticks / step.Ticks;
        Assert.That(reads, Is.EqualTo(1 + (Workers * BatchesPerWorker)));
        Assert.That(files, Is.EqualTo(Enumerable.Range(25, 5).Select(day => $"ogrt-2026-11-{day}.0000.jsonl")));
        Assert.That(OutputFiles.AllPids(OutputPath), Is.EquivalentTo(Enumerable.Range(0, Workers * BatchesPerWorker * RecordsPerBatch)));
    }

    [Test]
    public async Task WrittenBytesMetricMatchesTheFiles()
    {
        using var meter = new Meter("test." + nameof(WrittenBytesMetricMatchesTheFiles));
        long written = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "ogrt.collector.output.file.written")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            Assert.That(tags.ToArray(), Does.Contain(KeyValuePair.Create("output", (object?)OutputUnderTest.Name)));
            Interlocked.Add(ref written, value);
        });
        listener.Start();

        var output = await OutputUnderTest.StartAsync(Settings(), meter: meter);
        await RunWorkersAsync(output);
        await output.DisposeAsync();

        var onDisk = OutputFiles.List(OutputPath).Sum(f => new FileInfo(Path.Combine(OutputPath, f)).Length);
        Assert.That(Interlocked.Read(ref written), Is.EqualTo(onDisk));
    }

    /// <summary>Worker w writes pids [w*B*R, (w+1)*B*R) in batches, all workers at once.</summary>
    private static async Task RunWorkersAsync(Abstractions.IOutput output)
    {
        using var start = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            start.Wait();
            for (var batch = 0; batch < BatchesPerWorker; batch++)
            {
                var firstPid = ((worker * BatchesPerWorker) + batch) * RecordsPerBatch;
                var result = await output.WriteAsync(SampleRecords.Batch(firstPid, RecordsPerBatch), CancellationToken.None);
                Assert.That(result.Retry, Is.Empty);
                Assert.That(result.Rejected, Is.Zero);
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers);
    }
}
