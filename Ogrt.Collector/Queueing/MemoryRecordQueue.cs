using System.Threading.Channels;
using Ogrt.Collector.Configuration;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Queueing;

/// <summary>
/// A bounded in-memory <see cref="IRecordQueue"/>: by count, with an <see cref="OverflowPolicy"/>,
/// and by the output's <see cref="RecordMemoryBudget"/>, which refuses the arriving record
/// whatever the policy (evicting one old record might not make room, and waiting would hold
/// back every output for the sake of one huge record).
/// </summary>
public sealed class MemoryRecordQueue : IRecordQueue, IAdmissionTarget
{
    private readonly Channel<ProcessRecord> _channel;
    private readonly OverflowAdmission _admission;
    private readonly Action<int, string> _onDropped;
    private volatile bool _completed;

    /// <param name="capacity">Records held at most.</param>
    /// <param name="memoryLimit">Bytes of decoded records the output may hold (<see cref="Memory"/>).</param>
    /// <param name="policy">What happens to a record offered while the queue is full.</param>
    /// <param name="blockTimeout">How long <see cref="OverflowPolicy.Block"/> waits for room.</param>
    /// <param name="onDropped">Called with how many records were dropped and a <see cref="DropReasons"/> value.</param>
    public MemoryRecordQueue(int capacity, long memoryLimit, OverflowPolicy policy, TimeSpan blockTimeout, TimeProvider timeProvider, Action<int, string> onDropped)
    {
        Memory = new RecordMemoryBudget(memoryLimit);
        _onDropped = onDropped;
        _admission = new OverflowAdmission(policy, blockTimeout, timeProvider, onDropped);
        // Full means "refuse the write": the policy is applied by OverflowAdmission, not the channel.
        _channel = Channel.CreateBounded<ProcessRecord>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
    }

    public int Count => _channel.Reader.Count;

    public bool IsCompleted => _channel.Reader.Completion.IsCompleted;

    public RecordMemoryBudget Memory { get; }

    /// <summary>Nothing runs in the background.</summary>
    public void Start()
    {
    }

    public ValueTask EnqueueAsync(ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _admission.OfferAsync(record, this);
    }

    Admission IAdmissionTarget.TryAdmit(ProcessRecord record)
    {
        if (_completed)
            return Admission.Closed;
        if (!Memory.TryReserve(record))
            return Admission.Refused;
        if (_channel.Writer.TryWrite(record))
            return Admission.Admitted;
        Memory.Release(record);
        return _completed ? Admission.Closed : Admission.Full;
    }

    bool IAdmissionTarget.TryEvictOldest(ProcessRecord arriving)
    {
        if (!_channel.Reader.TryRead(out var oldest))
            return false;
        Memory.Release(oldest);
        _onDropped(1, DropReasons.Overflow);
        return true;
    }

    async ValueTask IAdmissionTarget.WaitForRoomAsync(CancellationToken cancellationToken) =>
        await _channel.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false);

    public bool TryDequeue(out ProcessRecord record) => _channel.Reader.TryRead(out record!);

    public ValueTask<bool> WaitToDequeueAsync(CancellationToken cancellationToken) =>
        _channel.Reader.WaitToReadAsync(cancellationToken);

    public void Complete()
    {
        _completed = true;
        _channel.Writer.TryComplete();
    }

    /// <summary>Memory does not outlive the process: nothing is kept.</summary>
    public Task<RemainingRecords> KeepRemainingAsync(IReadOnlyCollection<ProcessRecord> undelivered)
    {
        ArgumentNullException.ThrowIfNull(undelivered);
        int lost = undelivered.Count;
        while (_channel.Reader.TryRead(out var record))
        {
            Memory.Release(record);
            lost++;
        }
        return Task.FromResult(new RemainingRecords(0, lost));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
