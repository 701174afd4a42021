using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Queueing;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Spooling;

/// <summary>
/// An <see cref="IRecordQueue"/> that holds records in a bounded memory queue and, once that is
/// full, in a disk spool, keeping one FIFO order across both. It never touches the disk on the
/// caller's thread: its <see cref="SpoolWriter"/> does, on a task of its own.
/// </summary>
/// <remarks>
/// Order, oldest first: memory (what the workers take), disk, the write backlog. A record goes
/// to memory only while the other two are empty, so none overtakes an older one. Bounds: memory
/// by count and bytes, the backlog by bytes, the disk by MaxBytes; beyond them the overflow
/// policy applies through the one <see cref="OverflowAdmission"/>.
/// </remarks>
internal sealed partial class SpoolingRecordQueue : IRecordQueue, IAdmissionTarget
{
    private readonly Lock _gate = new();
    private readonly Queue<ProcessRecord> _memory = new();
    private readonly int _capacity;
    private readonly OverflowAdmission _admission;
    private readonly Action<int, string> _onDropped;
    private readonly SpoolFrames _frames = new();
    private readonly SpoolWriter _writer;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly long _maxUnreadBytes;
    private readonly SpoolBacklog _backlog;
    private long _diskRecords;
    private long _diskBytes;
    private long _evictionCredit;
    private bool _completed;
    private TaskCompletionSource? _recordWaiting;
    private TaskCompletionSource? _roomFreed;

    /// <param name="store">The opened spool directory (<see cref="SegmentStore.Open"/>); the queue owns it from now on.</param>
    /// <param name="onDropped">Called with how many records were dropped and a <see cref="DropReasons"/> value.</param>
    public SpoolingRecordQueue(
        ISegmentStore store, string directory, int capacity, long memoryLimit, OverflowPolicy policy, TimeSpan blockTimeout, TimeProvider timeProvider,
        Action<int, string> onDropped, CollectorMetrics metrics, TagList tags, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(onDropped);
        _directory = directory;
        _capacity = capacity;
        _onDropped = onDropped;
        _logger = logger;
        _admission = new OverflowAdmission(policy, blockTimeout, timeProvider, onDropped);
        _maxUnreadBytes = store.MaxUnreadBytes;
        _backlog = new SpoolBacklog(Math.Clamp(store.MaxUnreadBytes / 16, 1 << 20, 16 << 20));
        _diskRecords = store.UnreadRecords;
        _diskBytes = store.UnreadBytes;
        Memory = new RecordMemoryBudget(memoryLimit, released: WakeWriterIfDiskWaits);
        _writer = new SpoolWriter(this, store, onDropped, metrics, tags, logger, timeProvider);
    }

    public RecordMemoryBudget Memory { get; }
    public int Count
    {
        get { lock (_gate) return (int)Math.Min(int.MaxValue, _memory.Count + _diskRecords + _backlog.Records); }
    }

    /// <summary>Size of the segment files on disk.</summary>
    public long SpoolBytes => _writer.FileBytes;

    /// <summary>Bytes of encoded records waiting for the writer.</summary>
    public long WriteBacklogBytes { get { lock (_gate) return _backlog.Bytes; } }

    /// <summary>After <see cref="Complete"/>, the workers only drain memory: the disk part waits for the next start.</summary>
    public bool IsCompleted { get { lock (_gate) return _completed && _memory.Count == 0; } }

    public void Start() => _writer.Start();

    public ValueTask EnqueueAsync(ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _admission.OfferAsync(record, this);
    }

    Admission IAdmissionTarget.TryAdmit(ProcessRecord record)
    {
        lock (_gate)
        {
            if (_completed)
                return Admission.Closed;
            if (_diskRecords + _backlog.Records == 0 && _memory.Count < _capacity && Memory.TryReserve(record))
            {
                _memory.Enqueue(record);
                Signal(ref _recordWaiting);
                return Admission.Admitted;
            }
            var frame = _frames.Encode(record);
            if (!_backlog.HasRoomFor(frame.Length) || _diskBytes + _backlog.Bytes - _evictionCredit + frame.Length > _maxUnreadBytes)
                return Admission.Full;
            _backlog.Add(frame);
            _writer.Wake();
            return Admission.Admitted;
        }
    }

    bool IAdmissionTarget.TryEvictOldest(ProcessRecord arriving)
    {
        lock (_gate)
        {
            int frameLength = _frames.Encode(arriving).Length;
            if (frameLength > _maxUnreadBytes)
                return false; // Larger than MaxBytes on its own.
            if (_backlog.HasRoomFor(frameLength) && _diskBytes - _evictionCredit > 0)
            {
                // The disk is full: the writer drops that many bytes of the oldest records
                // (from memory, moving disk records up) before it appends anything.
                _evictionCredit += Math.Min(frameLength, _diskBytes - _evictionCredit);
                _writer.Wake();
                return true;
            }
            if (!_backlog.TryDropOldest())
                return false;
            _onDropped(1, DropReasons.Overflow);
            return true;
        }
    }

    ValueTask IAdmissionTarget.WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_completed)
                return ValueTask.CompletedTask;
            _roomFreed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new ValueTask(_roomFreed.Task.WaitAsync(cancellationToken));
        }
    }

    public bool TryDequeue(out ProcessRecord record)
    {
        lock (_gate)
        {
            if (!_memory.TryDequeue(out record!))
                return false;
            if (_diskRecords > 0)
                _writer.Wake();
            Signal(ref _roomFreed);
            return true;
        }
    }

    public async ValueTask<bool> WaitToDequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task recordWaiting;
            lock (_gate)
            {
                if (_memory.Count > 0)
                    return true;
                if (_completed)
                    return false;
                _recordWaiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                recordWaiting = _recordWaiting.Task;
            }
            await recordWaiting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Signal(ref _recordWaiting);
            Signal(ref _roomFreed);
            _writer.Wake();
        }
    }

    /// <summary>
    /// Lets the writer finish what waits for it, then writes <paramref name="undelivered"/>,
    /// the memory queue and the unread rest of a partly read segment to a new oldest segment,
    /// so the next start replays them first and nothing read before is replayed. What does not
    /// fit under MaxBytes or cannot be written is lost.
    /// </summary>
    public async Task<RemainingRecords> KeepRemainingAsync(IReadOnlyCollection<ProcessRecord> undelivered)
    {
        ArgumentNullException.ThrowIfNull(undelivered);
        Complete();
        await _writer.StopAsync().ConfigureAwait(false);
        List<ProcessRecord> remaining;
        lock (_gate)
        {
            remaining = new List<ProcessRecord>(undelivered.Count + _memory.Count);
            remaining.AddRange(undelivered);
            remaining.AddRange(_memory);
            Memory.Release(_memory);
            _memory.Clear();
        }
        int kept = _writer.KeepAsOldest(remaining, _frames);
        if (kept > 0)
            LogKept(kept, _directory);
        return new RemainingRecords(kept, remaining.Count - kept);
    }

    public async ValueTask DisposeAsync()
    {
        Complete();
        await _writer.DisposeAsync().ConfigureAwait(false);
        _frames.Dispose();
    }

    // For the writer: every change to what is on disk goes through these, under the lock.

    /// <summary>Takes the frames waiting to be written; they still count as waiting until <see cref="Written"/>.</summary>
    internal List<byte[]> TakeBacklog()
    {
        lock (_gate)
            return _backlog.Take();
    }

    /// <summary>Frames that left the backlog (<paramref name="records"/> of <paramref name="bytes"/>, now on disk or dropped), and what the disk holds now.</summary>
    internal void Written(int records, long bytes, long diskRecords, long diskBytes)
    {
        lock (_gate)
        {
            _backlog.Written(records, bytes);
            SetDisk(diskRecords, diskBytes);
        }
    }

    /// <summary>Bytes the writer must evict from the oldest records before it appends.</summary>
    internal long EvictionCredit => Interlocked.Read(ref _evictionCredit);

    /// <summary>
    /// Evicts the oldest record for the credit: the oldest in memory, replaced by
    /// <paramref name="readFromDisk"/> (the oldest on disk), or that one if memory is empty.
    /// </summary>
    internal void Evicted(ProcessRecord readFromDisk, long frameBytes, long diskRecords, long diskBytes)
    {
        lock (_gate)
        {
            _evictionCredit = Math.Max(0, _evictionCredit - frameBytes);
            SetDisk(diskRecords, diskBytes);
            if (_memory.TryDequeue(out var oldest))
            {
                Memory.Release(oldest);
                Memory.Reserve(readFromDisk);
                _memory.Enqueue(readFromDisk);
            }
        }
        _onDropped(1, DropReasons.Overflow);
    }

    /// <summary>True while the disk holds records and memory has room for one more (by count and budget).</summary>
    internal bool ShouldRefill()
    {
        lock (_gate)
            return !_completed && _evictionCredit == 0 && _diskRecords > 0 && _memory.Count < _capacity && Memory.HasRoom;
    }

    /// <summary>A record read back from disk into memory.</summary>
    internal void Refilled(ProcessRecord record, long diskRecords, long diskBytes)
    {
        lock (_gate)
        {
            Memory.Reserve(record);
            _memory.Enqueue(record);
            SetDisk(diskRecords, diskBytes);
            Signal(ref _recordWaiting);
        }
    }

    private void SetDisk(long diskRecords, long diskBytes)
    {
        _diskRecords = diskRecords;
        _diskBytes = diskBytes;
        if (_diskBytes <= 0)
            _evictionCredit = 0;
        Signal(ref _roomFreed);
    }

    private void WakeWriterIfDiskWaits()
    {
        if (Interlocked.Read(ref _diskRecords) > 0)
            _writer.Wake();
    }

    private static void Signal(ref TaskCompletionSource? waiter)
    {
        waiter?.TrySetResult();
        waiter = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept {Records} undelivered records in the spool {Directory} for the next start")]
    private partial void LogKept(int records, string directory);
}
