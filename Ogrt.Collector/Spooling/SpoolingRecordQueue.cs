using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Diagnostics;
using Ogrt.Collector.Dispatching;
using Ogrt.Collector.Metrics;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// An <see cref="IRecordQueue"/> that holds records in a bounded memory queue and, once that is
/// full, in segment files on disk, keeping one FIFO order across both.
/// </summary>
/// <remarks>
/// <para>While the spool on disk is empty and memory has room, a record goes to memory. Otherwise
/// it is appended to the newest segment, and so is every later record until the disk part is
/// drained: a record never overtakes an older one. Workers take from memory; each take first
/// refills memory from the oldest segment, which is deleted once every record in it was read.</para>
/// <para>At the shutdown deadline, <see cref="KeepRemaining"/> writes what the workers took but
/// did not deliver, the memory queue and the unread rest of a partly read segment to a new
/// oldest segment; the next start replays the spool before any new record. The window a
/// SIGKILL can hit: records in memory (read from deleted segments or never spooled) are lost,
/// and the records already read from a partly read segment are sent again.</para>
/// <para>Every member is serialized by one lock; the disk work under it is one write call per
/// spooled record and buffered reads.</para>
/// </remarks>
public sealed partial class SpoolingRecordQueue : IRecordQueue, IDisposable
{
    private const string LockFileName = "lock";

    /// <summary>Records moved from disk to memory per take at most, so one take stays short.</summary>
    private const int RefillChunk = 256;

    private static readonly TimeSpan BlockPollInterval = TimeSpan.FromMilliseconds(10);

    private readonly object _gate = new();
    private readonly Queue<ProcessRecord> _memory = new();
    private readonly List<SpoolSegment> _segments = [];
    private readonly int _capacity;
    private readonly RecordMemoryBudget _budget;
    private readonly OverflowPolicy _policy;
    private readonly TimeSpan _blockTimeout;
    private readonly Action<ProcessRecord?, int, string> _onDropped;
    private readonly SpoolOptions _settings;
    private readonly long _segmentBytes;
    private readonly CollectorMetrics _metrics;
    private readonly TagList _tags;
    private readonly ILogger _logger;
    private readonly WarningThrottle _writeFailureWarnings = new(TimeProvider.System, TimeSpan.FromSeconds(10));
    private readonly MemoryStream _frame = new();
    private readonly BinaryWriter _encoder;
    private readonly FileStream _lock;
    private long _nextSequence;
    private long _diskRecords;
    private long _unreadBytes;
    private long _fileBytes;
    private bool _completed;
    private TaskCompletionSource? _waiter;
    private bool _disposed;

    private SpoolingRecordQueue(
        SpoolOptions settings, int capacity, RecordMemoryBudget budget, OverflowPolicy policy, TimeSpan blockTimeout, Action<ProcessRecord?, int, string> onDropped,
        CollectorMetrics metrics, TagList tags, ILogger logger, FileStream lockFile)
    {
        _settings = settings;
        _capacity = capacity;
        _budget = budget;
        _policy = policy;
        _blockTimeout = blockTimeout;
        _onDropped = onDropped;
        _metrics = metrics;
        _tags = tags;
        _logger = logger;
        _lock = lockFile;
        // Several segments, so disk space comes back while an outage drains, not all at the end.
        _segmentBytes = Math.Clamp(settings.MaxBytes / 8, 64 << 10, 4 << 20);
        _encoder = SpoolRecordCodec.CreateWriter(_frame);
    }

    /// <summary>
    /// Opens (or creates) the spool in <see cref="SpoolOptions.Directory"/> and recovers what an
    /// earlier run left there. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> if the directory cannot be used, including when
    /// another collector holds it.
    /// </summary>
    /// <param name="budget">The output's memory budget: a record that does not fit goes to disk, like one beyond <paramref name="capacity"/>.</param>
    /// <param name="onDropped">Called with a dropped record (null if it was lost on disk), how many, and a <see cref="DropReasons"/> value.</param>
    public static SpoolingRecordQueue Open(
        SpoolOptions settings, int capacity, RecordMemoryBudget budget, OverflowPolicy policy, TimeSpan blockTimeout, Action<ProcessRecord?, int, string> onDropped,
        CollectorMetrics metrics, TagList tags, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(onDropped);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        PrivateFiles.CreateDirectory(settings.Directory);
        // An exclusive lock (flock on Linux): two collectors sharing a spool would read each other's records.
        var lockFile = PrivateFiles.Open(Path.Combine(settings.Directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var queue = new SpoolingRecordQueue(settings, capacity, budget, policy, blockTimeout, onDropped, metrics, tags, logger, lockFile);
        try
        {
            queue.Recover();
        }
        catch
        {
            queue.Dispose();
            throw;
        }
        return queue;
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return (int)Math.Min(int.MaxValue, _memory.Count + _diskRecords);
        }
    }

    /// <summary>Records held on disk.</summary>
    public long SpooledRecords
    {
        get
        {
            lock (_gate)
                return _diskRecords;
        }
    }

    /// <summary>Size of the segment files on disk.</summary>
    public long SpoolBytes
    {
        get
        {
            lock (_gate)
                return _fileBytes;
        }
    }

    /// <summary>After <see cref="Complete"/>, the workers only drain memory: the disk part waits for the next start.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
                return _completed && _memory.Count == 0;
        }
    }

    public ValueTask EnqueueAsync(ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_completed)
            {
                _onDropped(record, 1, DropReasons.Shutdown);
                return ValueTask.CompletedTask;
            }
            if (_diskRecords == 0 && _memory.Count < _capacity && _budget.TryReserve(record))
            {
                _memory.Enqueue(record);
                WakeWaiter();
                return ValueTask.CompletedTask;
            }
            var frame = Encode(record);
            if (HasRoomFor(frame.Length) || (_policy == OverflowPolicy.DropOldest && EvictOldestFor(frame.Length)))
            {
                Spool(record, frame.Span);
                return ValueTask.CompletedTask;
            }
            if (_policy != OverflowPolicy.Block)
            {
                _onDropped(record, 1, DropReasons.Overflow);
                return ValueTask.CompletedTask;
            }
        }
        return WaitForRoomAsync(record);
    }

    public bool TryDequeue(out ProcessRecord record)
    {
        lock (_gate)
        {
            if (!_completed)
                Refill();
            return _memory.TryDequeue(out record!);
        }
    }

    public async ValueTask<bool> WaitToDequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wakeUp;
            lock (_gate)
            {
                if (_memory.Count > 0 || (!_completed && _diskRecords > 0 && _budget.HasRoom))
                    return true;
                if (_completed)
                    return false;
                if (_diskRecords > 0)
                {
                    // Records wait on disk but the memory budget is taken by batches being
                    // written: look again shortly instead of spinning on a take that finds nothing.
                    wakeUp = Task.Delay(BlockPollInterval, cancellationToken);
                }
                else
                {
                    _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wakeUp = _waiter.Task;
                }
            }
            await wakeUp.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            WakeWaiter();
        }
    }

    /// <summary>
    /// Writes <paramref name="taken"/>, then the memory queue, then the unread rest of a partly
    /// read segment to a new oldest segment, so the next start replays them first and nothing
    /// is replayed twice. Returns how many records did not fit under MaxBytes or could not be
    /// written.
    /// </summary>
    public int KeepRemaining(IReadOnlyCollection<ProcessRecord> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        lock (_gate)
        {
            _completed = true;
            var remaining = new List<ProcessRecord>(taken.Count + _memory.Count);
            remaining.AddRange(taken);
            remaining.AddRange(_memory);
            _budget.Release(_memory);
            _memory.Clear();
            if (_segments.Count > 0 && _segments[0].PartlyRead)
            {
                var partlyRead = _segments[0];
                while (_segments.Count > 0 && ReferenceEquals(_segments[0], partlyRead) && TryReadOldest(out var record))
                    remaining.Add(record);
            }
            if (remaining.Count == 0)
                return 0;

            long sequence = _segments.Count > 0 ? _segments[0].Sequence - 1 : _nextSequence++;
            int kept = 0;
            try
            {
                var segment = SpoolSegment.Create(_settings.Directory, sequence);
                _segments.Insert(0, segment);
                _fileBytes += SpoolSegment.HeaderLength;
                foreach (var record in remaining)
                {
                    var frame = Encode(record);
                    if (!HasRoomFor(frame.Length))
                        break;
                    segment.Append(frame.Span);
                    Account(frame.Length);
                    kept++;
                }
                segment.Seal();
                _metrics.OutputSpooled.Add(kept, _tags);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogSpillFailed(e, _settings.Directory, remaining.Count - kept);
            }
            LogKept(kept, _settings.Directory);
            return remaining.Count - kept;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var segment in _segments)
            {
                try
                {
                    segment.Dispose();
                }
                catch (IOException e)
                {
                    LogSpillFailed(e, segment.Path, segment.UnreadRecords);
                }
            }
            _encoder.Dispose();
            _frame.Dispose();
            _lock.Dispose();
        }
    }

    /// <summary>Reads the segments an earlier run left, oldest first, cutting off damaged tails.</summary>
    private void Recover()
    {
        var found = new List<(long Sequence, string Path)>();
        foreach (string path in Directory.EnumerateFiles(_settings.Directory, "*" + SpoolSegment.Extension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long sequence))
                found.Add((sequence, path));
        }
        foreach (var (sequence, path) in found.OrderBy(file => file.Sequence))
        {
            var segment = SpoolSegment.Recover(path, sequence, out long corruptBytes);
            if (corruptBytes > 0)
            {
                _metrics.OutputSpoolCorruptBytes.Add(corruptBytes, _tags);
                LogCorruptTail(path, corruptBytes);
            }
            if (segment is null)
            {
                // Not ours, or a newer format: keep it for a person to look at, out of the way.
                File.Move(path, path + ".corrupt", overwrite: true);
                continue;
            }
            if (segment.UnreadRecords == 0)
            {
                segment.Delete();
                continue;
            }
            _segments.Add(segment);
            _diskRecords += segment.UnreadRecords;
            _unreadBytes += segment.UnreadBytes;
            _fileBytes += segment.FileBytes;
        }
        _nextSequence = _segments.Count > 0 ? _segments[^1].Sequence + 1 : 0;
        if (_diskRecords > 0)
            LogRecovered(_diskRecords, _segments.Count, _settings.Directory);
    }

    private ReadOnlyMemory<byte> Encode(ProcessRecord record)
    {
        _frame.SetLength(SpoolSegment.FrameHeaderLength);
        _frame.Position = SpoolSegment.FrameHeaderLength;
        SpoolRecordCodec.Write(_encoder, record);
        _encoder.Flush();
        var frame = _frame.GetBuffer().AsMemory(0, (int)_frame.Length);
        SpoolSegment.EncodeFrame(frame.Span);
        return frame;
    }

    /// <summary>
    /// Room is counted in unread records; one segment is held back for the file being read,
    /// whose read part stays on disk until the whole file is used up, so the files together stay
    /// within MaxBytes (plus 8 header bytes per file).
    /// </summary>
    private bool HasRoomFor(int frameLength) => _unreadBytes + frameLength <= _settings.MaxBytes - _segmentBytes;

    /// <summary>DropOldest with the disk part full: drops the oldest records until the new one fits.</summary>
    private bool EvictOldestFor(int frameLength)
    {
        while (!HasRoomFor(frameLength))
        {
            // The oldest records are in memory; dropping one lets the oldest on disk move up,
            // which frees its room on disk.
            if (_memory.TryDequeue(out var oldest))
            {
                _budget.Release(oldest);
                _onDropped(oldest, 1, DropReasons.Overflow);
                Refill();
            }
            else if (TryReadOldest(out var oldestOnDisk))
            {
                _onDropped(oldestOnDisk, 1, DropReasons.Overflow);
            }
            else
            {
                return false; // Larger than MaxBytes on its own.
            }
        }
        return true;
    }

    private void Spool(ProcessRecord record, ReadOnlySpan<byte> frame)
    {
        try
        {
            var segment = _segments.Count > 0 && _segments[^1].IsAppendable ? _segments[^1] : null;
            if (segment is not null && segment.FileBytes + frame.Length > _segmentBytes)
            {
                segment.Seal();
                segment = null;
            }
            if (segment is null)
            {
                segment = SpoolSegment.Create(_settings.Directory, _nextSequence++);
                _segments.Add(segment);
                _fileBytes += SpoolSegment.HeaderLength;
            }
            segment.Append(frame);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failed write may have left part of a frame: stop appending to that file (it is
            // read only up to its counted records) and try a fresh one for the next record.
            if (_segments.Count > 0)
                SealQuietly(_segments[^1]);
            if (_writeFailureWarnings.ShouldLog(out long suppressed))
                LogSpoolWriteFailed(e, _settings.Directory, suppressed);
            _onDropped(record, 1, DropReasons.SpoolFailed);
            return;
        }
        Account(frame.Length);
        _metrics.OutputSpooled.Add(1, _tags);
        WakeWaiter();
    }

    private void Account(int frameLength)
    {
        _diskRecords++;
        _unreadBytes += frameLength;
        _fileBytes += frameLength;
    }

    private void SealQuietly(SpoolSegment segment)
    {
        try
        {
            segment.Seal();
        }
        catch (IOException)
        {
            // Already failing; the write failure is what gets reported.
        }
    }

    private async ValueTask WaitForRoomAsync(ProcessRecord record)
    {
        long startedAt = Stopwatch.GetTimestamp();
        while (true)
        {
            await Task.Delay(BlockPollInterval).ConfigureAwait(false);
            lock (_gate)
            {
                if (_completed)
                {
                    _onDropped(record, 1, DropReasons.Shutdown);
                    return;
                }
                var frame = Encode(record);
                if (HasRoomFor(frame.Length))
                {
                    Spool(record, frame.Span);
                    return;
                }
                if (Stopwatch.GetElapsedTime(startedAt) >= _blockTimeout)
                {
                    _onDropped(record, 1, DropReasons.BlockTimeout);
                    return;
                }
            }
        }
    }

    /// <summary>Moves records from the oldest segment into memory while it has room (by count and by the budget).</summary>
    private void Refill()
    {
        for (int moved = 0; moved < RefillChunk && _memory.Count < _capacity && _budget.HasRoom && TryReadOldest(out var record); moved++)
        {
            _budget.Reserve(record);
            _memory.Enqueue(record);
        }
    }

    /// <summary>Reads the oldest record on disk, deleting segments as they are used up and skipping damaged ones.</summary>
    private bool TryReadOldest(out ProcessRecord record)
    {
        while (_segments.Count > 0)
        {
            var segment = _segments[0];
            if (segment.UnreadRecords == 0)
            {
                RemoveOldestSegment();
                continue;
            }
            long unreadRecords = segment.UnreadRecords;
            long unreadBytes = segment.UnreadBytes;
            try
            {
                var payload = segment.ReadNext();
                using var stream = new MemoryStream(payload.ToArray(), writable: false);
                using var reader = SpoolRecordCodec.CreateReader(stream);
                record = SpoolRecordCodec.Read(reader);
                _diskRecords--;
                _unreadBytes -= unreadBytes - segment.UnreadBytes;
                _metrics.OutputReplayed.Add(1, _tags);
                return true;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // Damaged on disk: the rest of this file cannot be trusted to be framed right.
                // Count every record it still held as lost and go on with the next file.
                segment.Abandon();
                _diskRecords -= unreadRecords;
                _unreadBytes -= unreadBytes;
                LogCorruptSegment(e, segment.Path, unreadRecords);
                _onDropped(null, (int)Math.Min(unreadRecords, int.MaxValue), DropReasons.SpoolCorrupt);
                SealQuietly(segment);
            }
        }
        record = null!;
        return false;
    }

    private void RemoveOldestSegment()
    {
        var segment = _segments[0];
        _segments.RemoveAt(0);
        _fileBytes -= segment.FileBytes;
        try
        {
            segment.Delete();
        }
        catch (IOException e)
        {
            LogDeleteFailed(e, segment.Path);
        }
    }

    private void WakeWaiter()
    {
        _waiter?.TrySetResult();
        _waiter = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Spool {Directory}: {Records} records in {Segments} segments from an earlier run; they are delivered before new records")]
    private partial void LogRecovered(long records, int segments, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path}: cut off {Bytes} bytes of a damaged or incomplete tail (a crash while writing?)")]
    private partial void LogCorruptTail(string path, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool segment {Path} is damaged; skipped its {Records} unread records")]
    private partial void LogCorruptSegment(Exception exception, string path, long records);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool {Directory}: cannot write; dropping records until it works again ({Suppressed} more failures since the last message)")]
    private partial void LogSpoolWriteFailed(Exception exception, string directory, long suppressed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool {Path}: {Records} records could not be kept")]
    private partial void LogSpillFailed(Exception exception, string path, long records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path} could not be deleted")]
    private partial void LogDeleteFailed(Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept {Records} undelivered records in the spool {Directory} for the next start")]
    private partial void LogKept(int records, string directory);
}
