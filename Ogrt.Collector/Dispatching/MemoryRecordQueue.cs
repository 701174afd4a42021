using System.Threading.Channels;
using Ogrt.Collector.Configuration;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Dispatching;

/// <summary>
/// A bounded in-memory <see cref="IRecordQueue"/>: by count, with an <see cref="OverflowPolicy"/>,
/// and by the output's <see cref="RecordMemoryBudget"/>, which refuses the arriving record
/// whatever the policy (evicting one old record might not make room, and waiting would hold
/// back every output for the sake of one huge record).
/// </summary>
public sealed class MemoryRecordQueue : IRecordQueue
{
    private readonly Channel<ProcessRecord> _channel;
    private readonly RecordMemoryBudget _budget;
    private readonly OverflowPolicy _policy;
    private readonly TimeSpan _blockTimeout;
    private readonly Action<ProcessRecord, string> _onDropped;

    /// <param name="capacity">Records held at most.</param>
    /// <param name="budget">The output's memory budget: a record takes room as it is queued; the pipeline gives it back when the record has left.</param>
    /// <param name="policy">What happens to a record offered while the queue is full.</param>
    /// <param name="blockTimeout">How long <see cref="OverflowPolicy.Block"/> waits for room.</param>
    /// <param name="onDropped">Called with each dropped record and a <see cref="DropReasons"/> value.</param>
    public MemoryRecordQueue(int capacity, RecordMemoryBudget budget, OverflowPolicy policy, TimeSpan blockTimeout, Action<ProcessRecord, string> onDropped)
    {
        ArgumentNullException.ThrowIfNull(onDropped);
        _budget = budget;
        _policy = policy;
        _blockTimeout = blockTimeout;
        _onDropped = onDropped;
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = policy switch
            {
                // The channel's "DropWrite" refuses the arriving item, which is our DropNewest;
                // its own "DropNewest" would evict the newest queued item instead.
                OverflowPolicy.DropNewest => BoundedChannelFullMode.DropWrite,
                OverflowPolicy.DropOldest => BoundedChannelFullMode.DropOldest,
                _ => BoundedChannelFullMode.Wait,
            },
            SingleReader = false,
            SingleWriter = false,
        };
        _channel = Channel.CreateBounded<ProcessRecord>(options, record => Drop(record, DropReasons.Overflow));
    }

    public int Count => _channel.Reader.Count;

    public bool IsCompleted => _channel.Reader.Completion.IsCompleted;

    public ValueTask EnqueueAsync(ProcessRecord record)
    {
        if (!_budget.TryReserve(record))
        {
            _onDropped(record, DropReasons.Overflow);
            return ValueTask.CompletedTask;
        }
        if (_channel.Writer.TryWrite(record))
            return ValueTask.CompletedTask;
        if (_policy != OverflowPolicy.Block)
        {
            // The drop modes accept every write until the channel is completed.
            Drop(record, DropReasons.Shutdown);
            return ValueTask.CompletedTask;
        }
        return WaitForRoomAsync(record);
    }

    /// <summary>Drops a record that took room in the budget.</summary>
    private void Drop(ProcessRecord record, string reason)
    {
        _budget.Release(record);
        _onDropped(record, reason);
    }

    private async ValueTask WaitForRoomAsync(ProcessRecord record)
    {
        using var timeout = new CancellationTokenSource(_blockTimeout);
        try
        {
            await _channel.Writer.WriteAsync(record, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Drop(record, DropReasons.BlockTimeout);
        }
        catch (ChannelClosedException)
        {
            Drop(record, DropReasons.Shutdown);
        }
    }

    public bool TryDequeue(out ProcessRecord record) => _channel.Reader.TryRead(out record!);

    public ValueTask<bool> WaitToDequeueAsync(CancellationToken cancellationToken) =>
        _channel.Reader.WaitToReadAsync(cancellationToken);

    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Memory does not outlive the process: nothing is kept.</summary>
    public int KeepRemaining(IReadOnlyCollection<ProcessRecord> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        int left = taken.Count;
        while (_channel.Reader.TryRead(out var record))
        {
            _budget.Release(record);
            left++;
        }
        return left;
    }
}
