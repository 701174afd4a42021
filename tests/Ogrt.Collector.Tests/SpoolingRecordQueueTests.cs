using Microsoft.Extensions.Time.Testing;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Spooling;
using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests;

/// <summary>An output's pipeline with the disk spool behind its memory queue.</summary>
public class SpoolingRecordQueueTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Records_held_in_memory_and_on_disk_during_an_outage_are_delivered_once_and_in_order()
    {
        using var directory = new TempDirectory();
        var backendUp = false;
        await using var harness = Spooled(directory, s => s with { QueueCapacity = 20, BatchSize = 7 });
        harness.Output.Write = (_, _, _) => Volatile.Read(ref backendUp)
            ? Task.FromResult(WriteResult.Delivered)
            : throw new IOException("backend down");
        harness.Pipeline.Start();

        await harness.EnqueueAsync(Enumerable.Range(1, 300));
        await Poll.UntilAsync(() => harness.Output.WriteCalls >= 3, "the output failed a few times");
        long spooledDuringOutage = harness.Metrics.Sum("ogrt.collector.output.spooled");
        Volatile.Write(ref backendUp, true);
        await harness.EnqueueAsync(Enumerable.Range(301, 200)); // Arrive while the spool drains.
        await Poll.UntilAsync(() => harness.Output.Delivered.Count >= 500, "every record is delivered");
        await harness.EnqueueAsync(Enumerable.Range(501, 10)); // The spool is empty again: straight to memory.
        await harness.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(spooledDuringOutage, Is.GreaterThan(200), "what did not fit in memory went to disk");
            Assert.That(harness.Output.Delivered.Select(r => r.Pid), Is.EqualTo(Enumerable.Range(1, 510)));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.spool.replayed"), Is.EqualTo(harness.Metrics.Sum("ogrt.collector.output.spooled")));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.written"), Is.EqualTo(510));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dropped"), Is.Zero);
            Assert.That(SegmentFiles(directory), Is.Empty, "drained segments are deleted");
        });
    }

    [TestCase(OverflowPolicy.DropNewest)]
    [TestCase(OverflowPolicy.DropOldest)]
    public async Task The_spool_stays_under_MaxBytes_and_counts_every_record_it_drops(OverflowPolicy policy)
    {
        using var directory = new TempDirectory();
        const long maxBytes = SpoolOptions.MinMaxBytes;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = Spooled(directory, s => s with { QueueCapacity = 10, BatchSize = 1, OverflowPolicy = policy }, maxBytes);
        harness.Output.HoldWritesUntil(gate.Task);
        harness.Pipeline.Start();
        await harness.EnqueueAsync([0]);
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 1, "the worker holds record 0");

        const int offered = 20_000;
        await harness.EnqueueAsync(Enumerable.Range(1, offered));
        // The spool writes on a task of its own: measure once it has written what it accepted.
        await Poll.UntilAsync(() => ((SpoolingRecordQueue)harness.Pipeline.Queue).WriteBacklogBytes == 0, "the spool wrote what it accepted");
        long bytesOnDisk = SegmentFiles(directory).Sum(file => new FileInfo(file).Length);
        int segmentsOnDisk = SegmentFiles(directory).Length;
        long dropped = harness.Dropped("overflow");
        gate.SetResult();
        await Poll.UntilAsync(() => harness.Output.Delivered.Count == offered + 1 - dropped, "every kept record is delivered");
        await harness.Pipeline.StopAsync(Generous);

        var delivered = harness.Output.Delivered.Select(r => r.Pid).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(dropped, Is.GreaterThan(0));
            Assert.That(bytesOnDisk, Is.GreaterThan(maxBytes / 2), "the spool was used");
            // Each segment file adds an 8-byte header to the records it holds.
            Assert.That(bytesOnDisk, Is.LessThanOrEqualTo(maxBytes + (segmentsOnDisk * 8)));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dropped"), Is.EqualTo(dropped));
            Assert.That(delivered, Is.Ordered.And.Unique);
            Assert.That(delivered.Length + dropped, Is.EqualTo(offered + 1));
            if (policy == OverflowPolicy.DropNewest)
                Assert.That(delivered, Is.EqualTo(Enumerable.Range(0, delivered.Length)), "the newest records were refused");
            else
                Assert.That(delivered[^1], Is.EqualTo(offered), "the newest record was kept");
        });
    }

    [Test]
    public async Task Records_undelivered_at_the_shutdown_deadline_are_spooled_and_replayed_first_by_the_next_pipeline()
    {
        using var directory = new TempDirectory();
        await using (var first = Spooled(directory, s => s with { QueueCapacity = 10, BatchSize = 4 }))
        {
            first.Output.Write = (_, _, _) => throw new IOException("backend down");
            await first.EnqueueAsync(Enumerable.Range(1, 50));
            first.Pipeline.Start();
            await Poll.UntilAsync(() => first.Output.WriteCalls >= 2, "the output failed twice");

            await first.Pipeline.StopAsync(TimeSpan.FromMilliseconds(200));

            Assert.Multiple(() =>
            {
                Assert.That(first.Metrics.Sum("ogrt.collector.output.dropped"), Is.Zero);
                Assert.That(first.Metrics.Sum("ogrt.collector.output.written"), Is.Zero);
            });
        }

        await using var second = Spooled(directory, s => s with { QueueCapacity = 10, BatchSize = 4 });
        Assert.That(second.Pipeline.QueueLength, Is.EqualTo(50), "the spool holds every record after the restart");
        await second.EnqueueAsync(Enumerable.Range(51, 10));
        second.Pipeline.Start();
        await Poll.UntilAsync(() => second.Output.Delivered.Count >= 60, "every record is delivered");
        await second.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(second.Output.Delivered.Select(r => r.Pid), Is.EqualTo(Enumerable.Range(1, 60)));
            Assert.That(second.Metrics.Sum("ogrt.collector.output.spool.replayed"), Is.GreaterThanOrEqualTo(50));
            Assert.That(second.Metrics.Sum("ogrt.collector.output.dropped"), Is.Zero);
        });
    }

    [Test]
    public async Task A_torn_tail_a_damaged_record_and_a_foreign_file_are_counted_and_skipped()
    {
        using var directory = new TempDirectory();
        await using (var first = Spooled(directory))
        {
            await first.EnqueueAsync(Enumerable.Range(1, 20));
            await first.Pipeline.StopAsync(TimeSpan.Zero); // Never started: all 20 are spooled.
        }
        string segment = SegmentFiles(directory).Single();
        byte[] good = await File.ReadAllBytesAsync(segment);
        // Flip a byte of the last record's payload, then add half a frame as a crash mid-write would.
        good[^3] ^= 0x5A;
        await File.WriteAllBytesAsync(segment, [.. good, 200, 0, 0, 0, 1, 2, 3]);
        string foreign = directory.Combine("99.spool");
        await File.WriteAllTextAsync(foreign, "not a spool segment");

        await using var second = Spooled(directory);
        second.Pipeline.Start();
        await Poll.UntilAsync(() => second.Output.Delivered.Count >= 19, "the intact records are delivered");
        await second.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(second.Output.Delivered.Select(r => r.Pid), Is.EqualTo(Enumerable.Range(1, 19)));
            Assert.That(second.Dropped("spool_corrupt"), Is.EqualTo(1));
            Assert.That(second.Metrics.Sum("ogrt.collector.output.spool.corrupt"), Is.EqualTo(7 + "not a spool segment".Length));
            Assert.That(File.Exists(foreign + ".corrupt"), Is.True, "the foreign file is kept aside");
            Assert.That(SegmentFiles(directory), Is.Empty);
        });
    }

    [Test]
    public async Task A_second_pipeline_cannot_open_a_spool_in_use()
    {
        using var directory = new TempDirectory();
        await using var first = Spooled(directory);

        Assert.Throws<IOException>(() => Spooled(directory));
    }

    [Test]
    public async Task Records_beyond_QueueBytes_go_to_the_spool_and_arrive_in_order()
    {
        using var directory = new TempDirectory();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = Spooled(directory, s => s with { QueueBytes = 1 << 20, BatchSize = 3 }, maxBytes: 64 << 20);
        harness.Output.HoldWritesUntil(release.Task);
        harness.Pipeline.Start();

        await harness.EnqueueAsync(Enumerable.Range(1, 60), cmdlineLength: 50_000);
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 1, "a batch is being written");
        await Poll.UntilAsync(() => ((SpoolingRecordQueue)harness.Pipeline.Queue).WriteBacklogBytes == 0, "the spool wrote what it accepted");
        Assert.Multiple(() =>
        {
            // Reading back from disk checks for room before it knows the record's size.
            Assert.That(harness.Pipeline.MemoryBytes, Is.LessThanOrEqualTo((1 << 20) + PipelineHarness.Record(0, cmdlineLength: 50_000).ApproximateBytes));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.spooled"), Is.GreaterThan(40), "what did not fit in memory went to disk");
        });

        release.SetResult();
        await Poll.UntilAsync(() => harness.Output.Delivered.Count == 60, "every record is delivered");
        await harness.Pipeline.StopAsync(Generous);
        Assert.Multiple(() =>
        {
            Assert.That(harness.Output.Delivered.Select(r => r.Pid), Is.EqualTo(Enumerable.Range(1, 60)));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dropped"), Is.Zero);
            Assert.That(harness.Pipeline.MemoryBytes, Is.Zero);
        });
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Spool_files_and_their_directory_are_owner_only_whatever_the_umask()
    {
        using var parent = new TempDirectory();
        string spool = parent.Combine("spool");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = new PipelineHarness(s => s with { QueueCapacity = 1, BatchSize = 1, Spool = new SpoolOptions { Enabled = true, Directory = spool, MaxBytes = 1 << 20 } });
        harness.Output.HoldWritesUntil(gate.Task);
        harness.Pipeline.Start();

        // Record 1 is held by the worker, 2 fills memory, the rest go to a segment file.
        await harness.EnqueueAsync(Enumerable.Range(1, 10));
        await Poll.UntilAsync(() => harness.Metrics.Sum("ogrt.collector.output.spooled") > 0, "records were spooled");

        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(spool), Is.EqualTo(PrivateFiles.DirectoryMode));
            Assert.That(Directory.GetFiles(spool).Select(File.GetUnixFileMode), Has.All.EqualTo(PrivateFiles.FileMode));
            Assert.That(Directory.GetFiles(spool), Has.Length.GreaterThanOrEqualTo(2), "the lock file and a segment");
        });
        gate.SetResult();
        await harness.Pipeline.StopAsync(Generous);
    }

    [Test]
    public async Task Block_on_a_full_spool_waits_BlockTimeout_on_the_clock_then_drops_and_takes_the_room_as_it_frees()
    {
        using var directory = new TempDirectory();
        var time = new FakeTimeProvider();
        var backendUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = new PipelineHarness(
            s => s with
            {
                QueueCapacity = 1, BatchSize = 1, OverflowPolicy = OverflowPolicy.Block, BlockTimeout = TimeSpan.FromSeconds(1),
                Spool = new SpoolOptions { Enabled = true, Directory = directory.Path, MaxBytes = SpoolOptions.MinMaxBytes },
            },
            time);
        harness.Output.HoldWritesUntil(backendUp.Task);
        harness.Pipeline.Start();

        // Offer records of about 10 KB until one finds the spool full and waits.
        int pid = 0;
        ValueTask waiting;
        do
            waiting = harness.Pipeline.EnqueueAsync(PipelineHarness.Record(++pid, cmdlineLength: 10_000));
        while (waiting.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(waiting.IsCompleted, Is.False, "still within BlockTimeout");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await waiting;
        Assert.That(harness.Dropped("block_timeout"), Is.EqualTo(1));

        var admittedOnceRoomFrees = harness.Pipeline.EnqueueAsync(PipelineHarness.Record(++pid, cmdlineLength: 10_000)).AsTask();
        backendUp.SetResult();
        await admittedOnceRoomFrees;
        await Poll.UntilAsync(() => harness.Output.Delivered.Count == pid - 1, "every record but the dropped one is delivered");
        await harness.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(harness.Output.Delivered.Select(r => r.Pid), Is.EqualTo(Enumerable.Range(1, pid).Where(p => p != pid - 1)));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dropped"), Is.EqualTo(1));
            Assert.That(pid, Is.GreaterThan(50), "the spool held records before it was full");
        });
    }

    [Test]
    public async Task A_stuck_spool_disk_holds_back_neither_the_decode_loop_nor_the_other_outputs()
    {
        using var directory = new TempDirectory();
        StuckSegmentStore? disk = null;
        var backendUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var spooled = new PipelineHarness(
            s => s with { QueueCapacity = 10, BatchSize = 10, Spool = new SpoolOptions { Enabled = true, Directory = directory.Path, MaxBytes = 64 << 20 } },
            wrapSpoolStore: store => disk = new StuckSegmentStore(store));
        await using var other = new PipelineHarness();
        spooled.Output.HoldWritesUntil(backendUp.Task);
        spooled.Pipeline.Start();
        other.Pipeline.Start();

        // As OutputDispatcher.DispatchAsync does on the decode loop: each record to every output in turn.
        const int offered = 1000;
        var offers = new List<ValueTask>();
        foreach (int pid in Enumerable.Range(1, offered))
        {
            var record = PipelineHarness.Record(pid, cmdlineLength: 10_000);
            offers.Add(spooled.Pipeline.EnqueueAsync(record));
            offers.Add(other.Pipeline.EnqueueAsync(record));
        }
        await Poll.UntilAsync(() => other.Output.Delivered.Count == offered, "the other output delivered everything");

        Assert.Multiple(() =>
        {
            Assert.That(offers.All(offer => offer.IsCompletedSuccessfully), Is.True, "no offer waited for the disk");
            Assert.That(disk!.Blocked, Is.EqualTo(1), "the spool's writer is stuck in the disk");
            Assert.That(spooled.Dropped("overflow"), Is.GreaterThan(0), "the write backlog stays bounded; what does not fit is counted");
            Assert.That(((SpoolingRecordQueue)spooled.Pipeline.Queue).WriteBacklogBytes, Is.LessThanOrEqualTo(16 << 20));
        });

        disk!.Release();
        backendUp.SetResult();
        long dropped = spooled.Dropped("overflow");
        await Poll.UntilAsync(() => spooled.Output.Delivered.Count == offered - dropped, "the spooled output delivered what it kept");
        await spooled.Pipeline.StopAsync(Generous);
        await other.Pipeline.StopAsync(Generous);
        Assert.Multiple(() =>
        {
            Assert.That(spooled.Output.Delivered.Select(r => r.Pid), Is.Ordered.And.Unique);
            Assert.That(spooled.Metrics.Sum("ogrt.collector.output.dropped"), Is.EqualTo(dropped));
        });
    }

    private static PipelineHarness Spooled(TempDirectory directory, Func<OutputOptions, OutputOptions>? adjust = null, long maxBytes = 1 << 20) =>
        new(settings => (adjust ?? (s => s))(settings) with { Spool = new SpoolOptions { Enabled = true, Directory = directory.Path, MaxBytes = maxBytes } });

    private static string[] SegmentFiles(TempDirectory directory) =>
        Directory.GetFiles(directory.Path, "*" + SpoolSegment.Extension);
}
