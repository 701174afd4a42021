using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Queueing;

/// <summary>
/// Holds an output's records between the dispatcher and the output's workers: in memory
/// (<see cref="MemoryRecordQueue"/>) or in memory and a disk spool
/// (<see cref="Spooling.SpoolingRecordQueue"/>) that keeps records while a backend is down.
/// </summary>
/// <remarks>
/// A queue applies the output's overflow policy (through <see cref="OverflowAdmission"/>) and
/// reports each record it drops through the callback it was created with, so every loss is counted.
/// </remarks>
public interface IRecordQueue : IAsyncDisposable
{
    /// <summary>Records waiting to be taken by a worker.</summary>
    int Count { get; }

    /// <summary>True once the queue is completed and every record it will hand out has been taken.</summary>
    bool IsCompleted { get; }

    /// <summary>The bytes of decoded records the output holds: queued here, and taken by its workers until they leave.</summary>
    RecordMemoryBudget Memory { get; }

    /// <summary>
    /// Starts what the queue does in the background (a spool's writer), as the workers start:
    /// after the host's metrics listen, so nothing it counts is missed.
    /// </summary>
    void Start();

    /// <summary>Offers a record; completes at once unless the policy is to wait for room.</summary>
    ValueTask EnqueueAsync(ProcessRecord record);

    /// <summary>Takes the next record if one is waiting.</summary>
    bool TryDequeue(out ProcessRecord record);

    /// <summary>Waits until a record is waiting (true) or the queue is completed and empty (false).</summary>
    ValueTask<bool> WaitToDequeueAsync(CancellationToken cancellationToken);

    /// <summary>No more records will be offered; later offers are dropped as shutdown.</summary>
    void Complete();

    /// <summary>
    /// Called once when the workers have stopped at shutdown, with the records they took but did
    /// not deliver: keeps those and the queued ones if the queue can (a spool writes them to
    /// disk) and empties the queue. The caller counts <see cref="RemainingRecords.Lost"/> as
    /// dropped for shutdown.
    /// </summary>
    Task<RemainingRecords> KeepRemainingAsync(IReadOnlyCollection<ProcessRecord> undelivered);
}

/// <summary>What became of the records left at shutdown: kept for the next start, or lost.</summary>
public readonly record struct RemainingRecords(int Kept, int Lost);
