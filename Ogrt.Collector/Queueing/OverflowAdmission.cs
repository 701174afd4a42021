using Ogrt.Collector.Configuration;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Queueing;

/// <summary>
/// The one implementation of <see cref="OverflowPolicy"/>: what happens to a record offered
/// while a queue (memory or spool) is full. Waiting (<see cref="OverflowPolicy.Block"/>) runs
/// on the given <see cref="TimeProvider"/>.
/// </summary>
internal sealed class OverflowAdmission
{
    private readonly OverflowPolicy _policy;
    private readonly TimeSpan _blockTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly Action<int, string> _onDropped;

    /// <param name="onDropped">Called with how many records were dropped and a <see cref="DropReasons"/> value.</param>
    public OverflowAdmission(OverflowPolicy policy, TimeSpan blockTimeout, TimeProvider timeProvider, Action<int, string> onDropped)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(onDropped);
        _policy = policy;
        _blockTimeout = blockTimeout;
        _timeProvider = timeProvider;
        _onDropped = onDropped;
    }

    /// <summary>Admits <paramref name="record"/> into <paramref name="queue"/> or drops it, by the policy.</summary>
    public ValueTask OfferAsync(ProcessRecord record, IAdmissionTarget queue)
    {
        var outcome = queue.TryAdmit(record);
        if (outcome == Admission.Full && _policy == OverflowPolicy.DropOldest)
        {
            while (outcome == Admission.Full && queue.TryEvictOldest(record))
                outcome = queue.TryAdmit(record);
        }
        if (outcome == Admission.Full && _policy == OverflowPolicy.Block)
            return WaitForRoomAsync(record, queue);
        CountIfDropped(outcome);
        return ValueTask.CompletedTask;
    }

    private async ValueTask WaitForRoomAsync(ProcessRecord record, IAdmissionTarget queue)
    {
        using var timeout = new CancellationTokenSource(_blockTimeout, _timeProvider);
        try
        {
            while (true)
            {
                await queue.WaitForRoomAsync(timeout.Token).ConfigureAwait(false);
                var outcome = queue.TryAdmit(record);
                if (outcome != Admission.Full)
                {
                    CountIfDropped(outcome);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            _onDropped(1, DropReasons.BlockTimeout);
        }
    }

    private void CountIfDropped(Admission outcome)
    {
        if (outcome == Admission.Closed)
            _onDropped(1, DropReasons.Shutdown);
        else if (outcome != Admission.Admitted)
            _onDropped(1, DropReasons.Overflow);
    }
}
