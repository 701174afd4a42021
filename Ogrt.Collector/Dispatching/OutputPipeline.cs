using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Diagnostics;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Queueing;
using Ogrt.Collector.Spooling;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Dispatching;

/// <summary>
/// Everything between the dispatcher and one output: its queue, its workers, batching by count
/// and time, retries with backoff, and the accounting of every record that is not delivered.
/// </summary>
public sealed partial class OutputPipeline : IAsyncDisposable
{
    private static readonly TimeSpan BatchPollInterval = TimeSpan.FromMilliseconds(5);

    private readonly OutputOptions _settings;
    private readonly IOutput _output;
    private readonly IRecordQueue _queue;

    private readonly CollectorMetrics _metrics;
    private readonly TagList _tags;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ExponentialBackoff _backoff;
    private readonly WarningThrottle _failureWarnings;
    private readonly CancellationTokenSource _deadline = new();

    /// <summary>Records the workers held when the shutdown deadline passed; the queue may keep them.</summary>
    private readonly ConcurrentQueue<ProcessRecord> _undelivered = new();

    /// <summary>Records lost so far by reason, so a stop can say what it lost.</summary>
    private readonly ConcurrentDictionary<string, long> _droppedByReason = new(StringComparer.Ordinal);
    private Task[] _workers = [];
    private int _disposed;

    /// <summary>Records the workers took from the queue that are not yet written, dead-lettered, dropped or held back.</summary>
    private int _inFlight;

    /// <exception cref="IOException">The spool directory (<c>Spool:Directory</c>) cannot be used.</exception>
    /// <exception cref="UnauthorizedAccessException">The spool directory cannot be used.</exception>
    /// <param name="wrapSpoolStore">Lets a test put a slow disk under the spool.</param>
    internal OutputPipeline(
        OutputOptions settings, IOutput output, CollectorMetrics metrics, TagList tags, ILogger logger, TimeProvider timeProvider,
        Func<ISegmentStore, ISegmentStore>? wrapSpoolStore = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _output = output;
        _metrics = metrics;
        _tags = tags;
        _logger = logger;
        _timeProvider = timeProvider;
        _backoff = new ExponentialBackoff(settings.RetryInitialDelay, settings.RetryMaxDelay);
        _failureWarnings = new WarningThrottle(timeProvider, TimeSpan.FromSeconds(10));
        _queue = !settings.Spool.Enabled
            ? new MemoryRecordQueue(settings.QueueCapacity, settings.QueueBytes, settings.OverflowPolicy, settings.BlockTimeout, timeProvider, CountDropped)
            : new SpoolingRecordQueue(
                (wrapSpoolStore ?? (store => store))(SegmentStore.Open(settings.Spool.Directory, settings.Spool.MaxBytes, metrics, tags, logger)),
                settings.Spool.Directory, settings.QueueCapacity, settings.QueueBytes, settings.OverflowPolicy, settings.BlockTimeout,
                timeProvider, CountDropped, metrics, tags, logger);
    }

    public string Name => _settings.Name;

    /// <summary>The queue between the dispatcher and the workers.</summary>
    internal IRecordQueue Queue => _queue;

    /// <summary>The tags that identify this output in metrics.</summary>
    public TagList MetricTags => _tags;

    /// <summary>Records not yet delivered: in the queue, in a batch being written, or waiting for a retry.</summary>
    public int QueueLength => _queue.Count + Volatile.Read(ref _inFlight);

    /// <summary>Approximate bytes of the records this output holds in memory (queued and being written).</summary>
    public long MemoryBytes => _queue.Memory.Held;

    /// <summary>Size of the spool's files on disk; null without a spool.</summary>
    public long? SpoolBytes => (_queue as SpoolingRecordQueue)?.SpoolBytes;

    /// <summary>Starts the workers.</summary>
    public void Start()
    {
        _queue.Start();
        _workers = new Task[_settings.Workers];
        for (int i = 0; i < _workers.Length; i++)
            _workers[i] = Task.Run(RunWorkerAsync);
    }

    /// <summary>Offers a record to this output; fast unless the policy is Block and the queue is full.</summary>
    public ValueTask EnqueueAsync(ProcessRecord record)
    {
        _metrics.OutputQueued.Add(1, _tags);
        return _queue.EnqueueAsync(record);
    }

    /// <summary>
    /// Delivers what is queued, giving up at <paramref name="deadline"/>: what is left then
    /// (queued, in a batch, or waiting for a retry) is written to the spool if there is one,
    /// and otherwise counted as dropped for shutdown.
    /// </summary>
    public async Task StopAsync(TimeSpan deadline)
    {
        var droppedBefore = new Dictionary<string, long>(_droppedByReason, StringComparer.Ordinal);
        _queue.Complete();
        _deadline.CancelAfter(deadline);
        await Task.WhenAll(_workers).ConfigureAwait(false);
        var remaining = await _queue.KeepRemainingAsync(_undelivered.ToArray()).ConfigureAwait(false);
        _undelivered.Clear();
        if (remaining.Lost > 0)
            CountDropped(remaining.Lost, DropReasons.Shutdown);
        ReportLossesDuringStop(droppedBefore);
    }

    /// <summary>
    /// Logs what the stop lost, by reason: the drop counters rise only as the process exits,
    /// after the last scrape, so the log is where an operator sees it.
    /// </summary>
    private void ReportLossesDuringStop(Dictionary<string, long> droppedBefore)
    {
        var losses = _droppedByReason
            .Select(entry => (Reason: entry.Key, Count: entry.Value - droppedBefore.GetValueOrDefault(entry.Key)))
            .Where(loss => loss.Count > 0)
            .OrderBy(loss => loss.Reason, StringComparer.Ordinal)
            .ToList();
        if (losses.Count > 0)
            LogLostDuringStop(Name, losses.Sum(loss => loss.Count), string.Join(", ", losses.Select(loss => $"{loss.Reason}: {loss.Count}")));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        try
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A plugin failing to close must not stop the others from closing.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogDisposeFailed(e, Name);
        }
        await _queue.DisposeAsync().ConfigureAwait(false);
        _deadline.Dispose();
    }

    private async Task RunWorkerAsync()
    {
        var stop = _deadline.Token;
        var batch = new List<ProcessRecord>(Math.Min(_settings.BatchSize, 4096));
        try
        {
            while (await _queue.WaitToDequeueAsync(stop).ConfigureAwait(false))
            {
                await FillBatchAsync(batch, stop).ConfigureAwait(false);
                if (batch.Count > 0)
                    await DeliverAsync(batch, stop).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The shutdown deadline passed while a batch was being collected.
            HoldUndelivered(batch);
        }
    }

    /// <summary>Takes records until the batch is full or BatchInterval has passed since the first one.</summary>
    private async Task FillBatchAsync(List<ProcessRecord> batch, CancellationToken stop)
    {
        long startedAt = _timeProvider.GetTimestamp();
        while (batch.Count < _settings.BatchSize)
        {
            if (_queue.TryDequeue(out var record))
            {
                Interlocked.Increment(ref _inFlight);
                batch.Add(record);
                continue;
            }
            if (batch.Count == 0)
                return; // Another worker took it.
            var remaining = _settings.BatchInterval - _timeProvider.GetElapsedTime(startedAt);
            if (remaining <= TimeSpan.Zero || _queue.IsCompleted)
                return;
            // Poll rather than wait on the queue: waiting would wake this worker for every
            // single record, while one wake-up per poll collects everything that arrived.
            await Task.Delay(remaining < BatchPollInterval ? remaining : BatchPollInterval, _timeProvider, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a batch, retrying what failed transiently until it is delivered or the shutdown deadline passes.</summary>
    private async Task DeliverAsync(List<ProcessRecord> batch, CancellationToken stop)
    {
        IReadOnlyList<ProcessRecord> pending = batch;
        for (int attempt = 1; ; attempt++)
        {
            if (stop.IsCancellationRequested)
            {
                HoldUndelivered(pending);
                return;
            }

            long startedAt = _timeProvider.GetTimestamp();
            WriteResult result;
            try
            {
                result = await _output.WriteAsync(pending, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                HoldUndelivered(pending);
                return;
            }
#pragma warning disable CA1031 // The contract: an exception means the whole batch failed transiently.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _metrics.OutputWriteFailures.Add(1, _tags);
                if (_failureWarnings.ShouldLog(out long suppressed))
                    LogWriteFailed(e, Name, pending.Count, suppressed);
                result = WriteResult.RetryOnly(pending);
            }
            _metrics.OutputBatchDuration.Record(_timeProvider.GetElapsedTime(startedAt).TotalSeconds, _tags);

            pending = Account(pending, result);
            if (pending.Count == 0)
                return;

            _metrics.OutputRetried.Add(pending.Count, _tags);
            try
            {
                await Task.Delay(_backoff.DelayBefore(attempt), _timeProvider, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                HoldUndelivered(pending);
                return;
            }
        }
    }

    /// <summary>Counts the outcome of one write and returns the records to retry.</summary>
    private IReadOnlyList<ProcessRecord> Account(IReadOnlyList<ProcessRecord> pending, WriteResult result)
    {
        int attempted = pending.Count;
        int notDelivered = result.Retry.Count + result.DeadLettered + result.Rejected;
        if (notDelivered > attempted)
        {
            // A plugin bug; trust the retry list (those records are real) and count nothing as written.
            LogInconsistentResult(Name, attempted, result.Retry.Count, result.DeadLettered, result.Rejected);
        }
        int written = Math.Max(0, attempted - notDelivered);
        // Everything not handed back for a retry has left the pipeline.
        Interlocked.Add(ref _inFlight, -Math.Max(0, attempted - result.Retry.Count));
        _queue.Memory.Release(pending);
        _queue.Memory.Reserve(result.Retry);
        if (written > 0)
            _metrics.OutputWritten.Add(written, _tags);
        if (result.DeadLettered > 0)
            _metrics.OutputDeadLettered.Add(result.DeadLettered, _tags);
        if (result.Rejected > 0)
            CountDropped(result.Rejected, DropReasons.Rejected);
        // Copy: the output may reuse the list it returned.
        return result.Retry.Count == 0 ? [] : result.Retry.ToArray();
    }

    private void HoldUndelivered(IReadOnlyList<ProcessRecord> records)
    {
        Interlocked.Add(ref _inFlight, -records.Count);
        _queue.Memory.Release(records);
        foreach (var record in records)
            _undelivered.Enqueue(record);
    }

    private void CountDropped(int count, string reason)
    {
        _droppedByReason.AddOrUpdate(reason, count, (_, total) => total + count);
        _metrics.OutputDropped.Add(count, CollectorMetrics.WithReason(_tags, reason));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Output {Output} failed to write {Count} records; retrying with backoff ({Suppressed} more failures since the last warning)")]
    private partial void LogWriteFailed(Exception exception, string output, int count, long suppressed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Output {Output} reported more undelivered records than it was given ({Attempted} given; {Retry} to retry, {DeadLettered} dead-lettered, {Rejected} rejected)")]
    private partial void LogInconsistentResult(string output, int attempted, int retry, int deadLettered, int rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Output {Output} lost {Count} records while stopping ({Reasons})")]
    private partial void LogLostDuringStop(string output, long count, string reasons);

    [LoggerMessage(Level = LogLevel.Error, Message = "Output {Output} failed to close")]
    private partial void LogDisposeFailed(Exception exception, string output);
}
