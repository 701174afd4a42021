using Microsoft.Extensions.Logging;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.DeadLetters;
using Ogrt.Outputs.Sdk.Metrics;

namespace Ogrt.Outputs.Sdk.Batches;

/// <summary>
/// What became of each record of one batch that an output sends in one or more requests:
/// handed back for retry, dead-lettered, or (the rest) delivered. Builds the batch's
/// <see cref="WriteResult"/>.
/// </summary>
public sealed class BatchOutcome(IReadOnlyList<ProcessRecord> batch, OutputMetrics metrics)
{
    private List<ProcessRecord>? _retry;
    private List<DeadLetter>? _deadLetters;

    /// <summary>Hands <paramref name="count"/> records from <paramref name="start"/> back to the pipeline for retry.</summary>
    public void Retry(int start, int count)
    {
        if (count <= 0)
            return;
        _retry ??= [];
        for (int i = start; i < start + count; i++)
            _retry.Add(batch[i]);
        metrics.Retried(count);
    }

    /// <summary>The destination refused record <paramref name="index"/> for good.</summary>
    public void DeadLetter(int index, int status, string errorType, string reason) =>
        (_deadLetters ??= []).Add(new DeadLetter(batch[index], status, errorType, reason));

    /// <summary>
    /// Sends the batch request by request: <paramref name="sendFrom"/> sends one request starting
    /// at a position and returns how many records it covered (0 to try again from the same
    /// position, e.g. with smaller requests). When a request fails after earlier ones were
    /// accepted, only the rest is handed back, so a retry does not send those twice; when the
    /// first fails, the exception goes to the pipeline, which retries the whole batch.
    /// </summary>
    public async Task SendInRequestsAsync(Func<int, Task<int>> sendFrom, ILogger logger, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sendFrom);
        int position = 0;
        while (position < batch.Count)
        {
            try
            {
                position += await sendFrom(position).ConfigureAwait(false);
            }
            catch (Exception e) when (position > 0 && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "{Output}: a request failed after {Accepted} of {Total} records were accepted; the rest will be retried", output, position, batch.Count);
                Retry(position, batch.Count - position);
                return;
            }
        }
    }

    /// <summary>Writes the dead letters (if any) and returns the batch's result.</summary>
    public async Task<WriteResult> CompleteAsync(DeadLetterFile deadLetterFile, ILogger logger, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetterFile);
        if (_deadLetters is null)
            return _retry is null ? WriteResult.Delivered : WriteResult.RetryOnly(_retry);
        try
        {
            await deadLetterFile.AppendAsync(_deadLetters, cancellationToken).ConfigureAwait(false);
            metrics.DeadLettered(_deadLetters.Count);
            return new WriteResult(_retry ?? [], _deadLetters.Count, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError(e, "{Output}: cannot write {Count} rejected records to {Path}; they are dropped", output, _deadLetters.Count, deadLetterFile.Path);
            return new WriteResult(_retry ?? [], 0, _deadLetters.Count);
        }
    }
}
