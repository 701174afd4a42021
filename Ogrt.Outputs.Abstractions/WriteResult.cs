namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// The outcome of one <see cref="IOutput.WriteAsync"/> for the records that were not delivered.
/// Records in neither <see cref="Retry"/> nor the two counts were delivered.
/// </summary>
public sealed class WriteResult
{
    /// <summary>Every record of the batch was delivered.</summary>
    public static WriteResult Delivered { get; } = new([], 0, 0);

    public WriteResult(IReadOnlyList<ProcessRecord> retry, int deadLettered, int rejected)
    {
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentOutOfRangeException.ThrowIfNegative(deadLettered);
        ArgumentOutOfRangeException.ThrowIfNegative(rejected);
        Retry = retry;
        DeadLettered = deadLettered;
        Rejected = rejected;
    }

    /// <summary>Records that failed transiently (e.g. HTTP 429/503 per bulk item); retried with backoff.</summary>
    public IReadOnlyList<ProcessRecord> Retry { get; }

    /// <summary>Records the destination rejected for good that the output kept in its dead-letter store.</summary>
    public int DeadLettered { get; }

    /// <summary>Records the destination rejected for good and that are lost; counted as dropped.</summary>
    public int Rejected { get; }

    public static WriteResult RetryOnly(IReadOnlyList<ProcessRecord> retry) => new(retry, 0, 0);
}
