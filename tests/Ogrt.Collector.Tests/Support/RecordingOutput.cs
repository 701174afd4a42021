using System.Collections.Concurrent;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests.Support;

/// <summary>
/// An output kept in memory for pipeline tests. By default it delivers every batch;
/// <see cref="Write"/> replaces that with a scripted behaviour (fail, block, partial retry).
/// </summary>
internal sealed class RecordingOutput : IOutput
{
    private readonly ConcurrentQueue<ProcessRecord> _delivered = new();
    private int _writeCalls;

    /// <summary>
    /// Decides a write's outcome; gets the batch and the 1-based call number. Records not in
    /// the result's Retry list (and not counted as dead-lettered/rejected) are kept as delivered.
    /// </summary>
    public Func<IReadOnlyList<ProcessRecord>, int, CancellationToken, Task<WriteResult>>? Write { get; set; }

    /// <summary>Every write waits for <paramref name="release"/>, then delivers its batch.</summary>
    public void HoldWritesUntil(Task release) => Write = async (_, _, _) =>
    {
        await release;
        return WriteResult.Delivered;
    };

    public IReadOnlyCollection<ProcessRecord> Delivered => _delivered;
    public int WriteCalls => Volatile.Read(ref _writeCalls);
    public bool Started { get; private set; }
    public bool Disposed { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Started = true;
        return Task.CompletedTask;
    }

    public async Task<WriteResult> WriteAsync(IReadOnlyList<ProcessRecord> batch, CancellationToken cancellationToken)
    {
        int call = Interlocked.Increment(ref _writeCalls);
        var result = Write is null ? WriteResult.Delivered : await Write(batch, call, cancellationToken);
        // Keep the records the pipeline will count as delivered: those not retried, in order.
        int undeliveredOthers = result.DeadLettered + result.Rejected;
        var retry = new HashSet<ProcessRecord>(result.Retry, ReferenceEqualityComparer.Instance);
        foreach (var record in batch.Where(record => !retry.Contains(record)).Skip(undeliveredOthers))
            _delivered.Enqueue(record);
        return result;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
