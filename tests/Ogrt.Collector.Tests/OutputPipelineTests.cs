using Microsoft.Extensions.Time.Testing;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests;

public class OutputPipelineTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_failing_write_is_retried_with_backoff_until_it_succeeds()
    {
        await using var harness = new PipelineHarness();
        harness.Output.Write = (_, call, _) => call <= 3 ? throw new IOException("backend down") : Task.FromResult(WriteResult.Delivered);
        await harness.EnqueueAsync(Enumerable.Range(1, 20));

        harness.Pipeline.Start();
        await harness.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(harness.Output.Delivered.Select(r => r.Pid).Order(), Is.EqualTo(Enumerable.Range(1, 20)));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.write_failures"), Is.EqualTo(3));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.retried"), Is.EqualTo(60));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.written"), Is.EqualTo(20));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dropped"), Is.Zero);
            Assert.That(harness.Metrics.Count("ogrt.collector.output.batch.duration"), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task Retry_dead_lettered_and_rejected_records_are_each_accounted()
    {
        await using var harness = new PipelineHarness();
        harness.Output.Write = (batch, call, _) => Task.FromResult(call == 1
            ? new WriteResult(batch.Take(3).ToArray(), deadLettered: 2, rejected: 1)
            : WriteResult.Delivered);
        await harness.EnqueueAsync(Enumerable.Range(1, 10));

        harness.Pipeline.Start();
        await harness.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(harness.Output.WriteCalls, Is.EqualTo(2));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.written"), Is.EqualTo(4 + 3));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.retried"), Is.EqualTo(3));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dead_lettered"), Is.EqualTo(2));
            Assert.That(harness.Dropped("rejected"), Is.EqualTo(1));
            Assert.That(harness.Output.Delivered.Select(r => r.Pid).Order(), Is.EqualTo(new[] { 1, 2, 3, 7, 8, 9, 10 }));
        });
    }

    [Test]
    public async Task The_queue_length_includes_batches_being_written_and_waiting_for_a_retry()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = new PipelineHarness(s => s with { BatchSize = 10, RetryInitialDelay = TimeSpan.FromHours(1), RetryMaxDelay = TimeSpan.FromHours(1) });
        // The first batch blocks in its write, the second fails and waits an hour for its retry.
        harness.Output.Write = async (batch, call, _) =>
        {
            if (call == 1)
                await release.Task;
            return call == 2 ? WriteResult.RetryOnly(batch) : WriteResult.Delivered;
        };
        await harness.EnqueueAsync(Enumerable.Range(1, 25));

        harness.Pipeline.Start();
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 1, "the first batch is being written");
        Assert.That(harness.Pipeline.QueueLength, Is.EqualTo(25));

        // Workers = 1: the second batch goes out once the first is through.
        release.SetResult();
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 2, "the second batch failed");
        await Poll.UntilAsync(() => harness.Pipeline.QueueLength == 15, "the 10 delivered records have left; 10 waiting for a retry and 5 queued remain");

        await harness.Pipeline.StopAsync(TimeSpan.Zero);
        Assert.That(harness.Pipeline.QueueLength, Is.Zero, "what was left is counted as dropped for shutdown");
    }

    [TestCase(OverflowPolicy.DropNewest)]
    [TestCase(OverflowPolicy.DropOldest)]
    [TestCase(OverflowPolicy.Block)]
    public async Task Memory_held_in_records_stays_within_QueueBytes_and_what_does_not_fit_is_counted(OverflowPolicy policy)
    {
        const long QueueBytes = 1 << 20;
        await using var harness = new PipelineHarness(s => s with { QueueBytes = QueueBytes, BatchSize = 3, OverflowPolicy = policy });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Output.HoldWritesUntil(release.Task);
        harness.Pipeline.Start();
        int recordBytes = PipelineHarness.Record(0, cmdlineLength: 50_000).ApproximateBytes;

        // Far below QueueCapacity (1000) in records, ten times QueueBytes in bytes.
        await harness.EnqueueAsync(Enumerable.Range(1, 100), cmdlineLength: 50_000);
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 1, "a batch is being written");

        long held = harness.Pipeline.MemoryBytes;
        long kept = harness.Pipeline.QueueLength;
        Assert.Multiple(() =>
        {
            Assert.That(recordBytes, Is.GreaterThan(100_000));
            Assert.That(held, Is.LessThanOrEqualTo(QueueBytes));
            Assert.That(held, Is.EqualTo(kept * recordBytes), "queued and in-flight records are both counted");
            Assert.That(harness.Dropped("overflow"), Is.EqualTo(100 - kept));
        });

        release.SetResult();
        await harness.Pipeline.StopAsync(Generous);
        Assert.Multiple(() =>
        {
            Assert.That(harness.Output.Delivered, Has.Count.EqualTo(kept));
            Assert.That(harness.Pipeline.MemoryBytes, Is.Zero, "delivered records give their room back");
        });
    }

    [Test]
    public async Task A_stop_that_loses_records_logs_how_many_per_reason()
    {
        await using var harness = new PipelineHarness(s => s with { QueueCapacity = 20, BatchSize = 5 });
        harness.Output.Write = async (_, _, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return WriteResult.Delivered;
        };
        await harness.EnqueueAsync(Enumerable.Range(1, 30)); // 10 overflow before the stop: not its loss.
        harness.Pipeline.Start();
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 1, "a batch is held in its write");

        await harness.Pipeline.StopAsync(TimeSpan.Zero);

        var warnings = harness.Logger.Entries.Where(entry => entry.Level == Microsoft.Extensions.Logging.LogLevel.Warning).Select(entry => entry.Message).ToList();
        Assert.That(warnings, Is.EqualTo(new[] { "Output Under-test lost 20 records while stopping (shutdown: 20)" }));
        Assert.That(harness.Dropped("shutdown"), Is.EqualTo(20));
    }

    [TestCase(OverflowPolicy.DropNewest, new[] { 0, 1, 2, 3, 4, 5 })]
    [TestCase(OverflowPolicy.DropOldest, new[] { 0, 4, 5, 6, 7, 8 })]
    public async Task A_full_queue_drops_by_policy_and_counts_each_drop(OverflowPolicy policy, int[] expectedDelivered)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = new PipelineHarness(s => s with { QueueCapacity = 5, BatchSize = 1, OverflowPolicy = policy });
        harness.Output.HoldWritesUntil(gate.Task);
        harness.Pipeline.Start();

        await harness.EnqueueAsync([0]);
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 1, "the worker holds record 0");
        await harness.EnqueueAsync(Enumerable.Range(1, 8));
        long droppedWhileFull = harness.Dropped("overflow");
        gate.SetResult();
        await harness.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(droppedWhileFull, Is.EqualTo(3));
            Assert.That(harness.Output.Delivered.Select(r => r.Pid), Is.EqualTo(expectedDelivered));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.queued"), Is.EqualTo(9));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dropped"), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task Block_drops_a_record_that_finds_no_room_within_the_block_timeout()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var time = new FakeTimeProvider();
        await using var harness = new PipelineHarness(
            s => s with { QueueCapacity = 1, BatchSize = 1, OverflowPolicy = OverflowPolicy.Block, BlockTimeout = TimeSpan.FromSeconds(1) },
            time);
        harness.Output.HoldWritesUntil(gate.Task);
        harness.Pipeline.Start();
        await harness.EnqueueAsync([0]);
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 1, "the worker holds record 0");
        await harness.EnqueueAsync([1]);

        var blocked = harness.Pipeline.EnqueueAsync(PipelineHarness.Record(2)).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(blocked.IsCompleted, Is.False, "still within BlockTimeout");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await blocked;

        Assert.That(harness.Dropped("block_timeout"), Is.EqualTo(1));
        gate.SetResult();
        await harness.Pipeline.StopAsync(Generous);
        Assert.That(harness.Output.Delivered.Select(r => r.Pid), Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public async Task Block_waits_for_room_instead_of_dropping()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = new PipelineHarness(s => s with
        {
            QueueCapacity = 1, BatchSize = 1, OverflowPolicy = OverflowPolicy.Block, BlockTimeout = TimeSpan.FromMinutes(5),
        });
        harness.Output.HoldWritesUntil(gate.Task);
        harness.Pipeline.Start();
        await harness.EnqueueAsync([0]);
        await Poll.UntilAsync(() => harness.Output.WriteCalls == 1, "the worker holds record 0");
        await harness.EnqueueAsync([1]);

        var blocked = harness.Pipeline.EnqueueAsync(PipelineHarness.Record(2)).AsTask();
        Assert.That(blocked.IsCompleted, Is.False, "the queue is full, so the record waits");
        gate.SetResult();
        await blocked;
        await harness.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(harness.Output.Delivered.Select(r => r.Pid), Is.EqualTo(new[] { 0, 1, 2 }));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dropped"), Is.Zero);
        });
    }

    [Test]
    public async Task Records_still_undelivered_at_the_shutdown_deadline_are_counted_as_shutdown_drops()
    {
        await using var harness = new PipelineHarness(s => s with { BatchSize = 2 });
        harness.Output.Write = (_, _, _) => throw new IOException("backend down");
        await harness.EnqueueAsync(Enumerable.Range(1, 7));
        harness.Pipeline.Start();
        await Poll.UntilAsync(() => harness.Output.WriteCalls >= 2, "the output failed twice");

        await harness.Pipeline.StopAsync(TimeSpan.FromMilliseconds(200));

        Assert.Multiple(() =>
        {
            Assert.That(harness.Dropped("shutdown"), Is.EqualTo(7));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.written"), Is.Zero);
        });
        await harness.Pipeline.DisposeAsync();
        Assert.That(harness.Output.Disposed, Is.True);
    }

    [Test]
    public async Task Stopping_flushes_a_partly_filled_batch_without_waiting_for_the_batch_interval()
    {
        await using var harness = new PipelineHarness(s => s with { Workers = 3, BatchSize = 1000, BatchInterval = TimeSpan.FromHours(1) });
        harness.Pipeline.Start();
        await harness.EnqueueAsync(Enumerable.Range(1, 50));

        await harness.Pipeline.StopAsync(Generous);

        Assert.Multiple(() =>
        {
            Assert.That(harness.Output.Delivered.Select(r => r.Pid).Order(), Is.EqualTo(Enumerable.Range(1, 50)));
            Assert.That(harness.Metrics.Sum("ogrt.collector.output.dropped"), Is.Zero);
        });
    }
}
