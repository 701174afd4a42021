namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// An output writes batches of records to one destination (a file, Elasticsearch, Splunk…).
/// Outputs implement sending only: the collector's pipeline owns the queue, the workers,
/// batching, retry with backoff, overflow handling and flushing on shutdown.
/// </summary>
/// <remarks>
/// <see cref="WriteAsync"/> is called concurrently by the output's workers (the configured
/// <c>Outputs:&lt;Name&gt;:Workers</c>), so implementations must be thread-safe.
/// <see cref="IAsyncDisposable.DisposeAsync"/> is called once, after the last batch, and must
/// release resources without losing what a successful <see cref="WriteAsync"/> accepted.
/// </remarks>
public interface IOutput : IAsyncDisposable
{
    /// <summary>
    /// Prepares the output once before the first batch (open files, install index templates,
    /// check credentials). Throw <see cref="OutputConfigurationException"/> for a setting
    /// that can never work; the collector then fails to start and names the key. Any other
    /// exception is logged and the output starts anyway, retrying on the first batches.
    /// </summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes one batch. When it returns, every record is either delivered (durable as far as
    /// the destination acknowledges it), listed in <see cref="WriteResult.Retry"/>, or counted
    /// in <see cref="WriteResult.DeadLettered"/> or <see cref="WriteResult.Rejected"/>.
    /// Throwing means the whole batch failed transiently; the pipeline retries it with backoff.
    /// </summary>
    Task<WriteResult> WriteAsync(IReadOnlyList<ProcessRecord> batch, CancellationToken cancellationToken);
}
