using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Diagnostics;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Queueing;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// The one task of an output's spool that touches the disk: it appends the frames the queue
/// accepted, evicts the oldest records when DropOldest needs room on a full disk, and reads
/// records back into memory as memory gets room. Segments are synced (fsync) here, when one is
/// full and at stop: a slow spool disk holds back this output's spool, never the decode loop.
/// </summary>
internal sealed partial class SpoolWriter : IAsyncDisposable
{
    /// <summary>Records read back per round, so frames waiting to be written are not held up long.</summary>
    private const int RefillChunk = 256;

    private readonly SpoolingRecordQueue _queue;
    private readonly ISegmentStore _store;
    private readonly Action<int, string> _onDropped;
    private readonly CollectorMetrics _metrics;
    private readonly TagList _tags;
    private readonly ILogger _logger;
    private readonly WarningThrottle _writeFailureWarnings;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private Task? _task;
    private volatile bool _stopping;
    private bool _disposed;

    public SpoolWriter(
        SpoolingRecordQueue queue, ISegmentStore store, Action<int, string> onDropped, CollectorMetrics metrics, TagList tags, ILogger logger, TimeProvider timeProvider)
    {
        _queue = queue;
        _store = store;
        _onDropped = onDropped;
        _metrics = metrics;
        _tags = tags;
        _logger = logger;
        _writeFailureWarnings = new WarningThrottle(timeProvider, TimeSpan.FromSeconds(10));
    }

    public long FileBytes => _store.FileBytes;

    /// <summary>Asks the task to look for work; cheap, callable under the queue's lock.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount > 0)
            return;
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Woken by another thread in between: one wake-up is enough.
        }
    }

    /// <summary>Starts the task; until then frames wait in the backlog and nothing is read back.</summary>
    public void Start() => _task ??= Task.Run(RunAsync);

    /// <summary>Writes what waits to be written, syncs, and ends the task (the queue is completed first).</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        Wake();
        Start(); // Never started: it still writes the backlog, then ends.
        await _task!.ConfigureAwait(false);
    }

    /// <summary>
    /// After <see cref="StopAsync"/>: writes <paramref name="remaining"/> and the unread rest of
    /// a partly read segment as the new oldest segment. Returns how many records were kept.
    /// </summary>
    public int KeepAsOldest(List<ProcessRecord> remaining, SpoolFrames frames)
    {
        remaining.AddRange(_store.ReadRestOfPartlyRead(SpoolFrames.Decode, out long lost));
        CountCorrupt(lost);
        if (remaining.Count == 0)
            return 0;
        int kept = _store.WriteAsOldest(remaining.Select(frames.Encode));
        _metrics.OutputSpooled.Add(kept, _tags);
        return kept;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await StopAsync().ConfigureAwait(false);
        _store.Dispose();
        _wake.Dispose();
    }

    private async Task RunAsync()
    {
        while (true)
        {
            bool stopping = _stopping; // Read first: the queue was completed before, so no frame comes after this round.
            bool wrote = WriteBacklog();
            bool mayRefillMore = Refill();
            if (stopping && !wrote)
                break;
            if (!wrote && !mayRefillMore)
                await _wake.WaitAsync().ConfigureAwait(false);
        }
        try
        {
            _store.Sync();
        }
        catch (IOException e)
        {
            LogSyncFailed(e);
        }
    }

    /// <summary>Writes a round of the frames waiting; false if none were waiting.</summary>
    private bool WriteBacklog()
    {
        var frames = _queue.TakeBacklog();
        if (frames.Count == 0)
            return false;
        PayEvictionCredit();
        long bytes = 0;
        int failed = 0;
        foreach (var frame in frames)
        {
            bytes += frame.Length;
            try
            {
                _store.Append(frame);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed++;
                if (_writeFailureWarnings.ShouldLog(out long suppressed))
                    LogWriteFailed(e, suppressed);
            }
        }
        _queue.Written(frames.Count, bytes, _store.UnreadRecords, _store.UnreadBytes);
        _metrics.OutputSpooled.Add(frames.Count - failed, _tags);
        if (failed > 0)
            _onDropped(failed, DropReasons.SpoolFailed);
        return true;
    }

    /// <summary>DropOldest on a full disk: drops the oldest records until the frames about to be written fit.</summary>
    private void PayEvictionCredit()
    {
        while (_queue.EvictionCredit > 0)
        {
            long unreadBefore = _store.UnreadBytes;
            bool read = _store.TryReadOldest(SpoolFrames.Decode, out var oldest, out long lost);
            CountCorrupt(lost);
            if (!read)
            {
                _queue.Written(0, 0, _store.UnreadRecords, _store.UnreadBytes);
                return;
            }
            _queue.Evicted(oldest, unreadBefore - _store.UnreadBytes, _store.UnreadRecords, _store.UnreadBytes);
        }
    }

    /// <summary>Moves records from the oldest segment into memory while it has room; true if there may be more to move.</summary>
    private bool Refill()
    {
        for (int moved = 0; moved < RefillChunk; moved++)
        {
            if (!_queue.ShouldRefill())
                return false;
            bool read = _store.TryReadOldest(SpoolFrames.Decode, out var record, out long lost);
            CountCorrupt(lost);
            if (!read)
            {
                _queue.Written(0, 0, _store.UnreadRecords, _store.UnreadBytes);
                return false;
            }
            _queue.Refilled(record, _store.UnreadRecords, _store.UnreadBytes);
            _metrics.OutputReplayed.Add(1, _tags);
        }
        return true;
    }

    private void CountCorrupt(long lost)
    {
        if (lost > 0)
            _onDropped((int)Math.Min(lost, int.MaxValue), DropReasons.SpoolCorrupt);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool: cannot write; dropping records until it works again ({Suppressed} more failures since the last message)")]
    private partial void LogWriteFailed(Exception exception, long suppressed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool: cannot sync the newest segment at stop; a power loss may lose its records")]
    private partial void LogSyncFailed(Exception exception);
}
