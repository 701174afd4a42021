using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.Batches;
using Ogrt.Outputs.Sdk.DeadLetters;
using Ogrt.Outputs.Sdk.Metrics;
using Ogrt.Outputs.Sdk.Tls;

namespace Ogrt.Outputs.Sdk.Http;

/// <summary>
/// What an output that sends batches over HTTP works with, for one configured output: the
/// sender, the output's metrics and its dead-letter file.
/// </summary>
public sealed class HttpDestination : IDisposable
{
    private readonly OutputContext _context;

    public HttpDestination(OutputContext context, HttpSenderOptions options, ServerCertificateCheck tls)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        Metrics = new OutputMetrics(context.Meter, context.MetricTags);
        DeadLetters = new DeadLetterFile(context.StateDirectory, context.TimeProvider);
        Sender = new HttpBatchSender(options, tls, context, Metrics);
    }

    public HttpBatchSender Sender { get; }

    public OutputMetrics Metrics { get; }

    public DeadLetterFile DeadLetters { get; }

    /// <summary>Starts recording what becomes of each record of <paramref name="batch"/>.</summary>
    public BatchOutcome StartBatch(IReadOnlyList<ProcessRecord> batch) => new(batch, Metrics);

    /// <summary>Keeps the batch's dead letters and returns its result.</summary>
    public Task<WriteResult> FinishBatchAsync(BatchOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.CompleteAsync(DeadLetters, _context.Logger, _context.Name, cancellationToken);
    }

    /// <summary>Sends <paramref name="outcome"/>'s batch request by request (see <see cref="BatchOutcome.SendInRequestsAsync"/>).</summary>
    public Task SendInRequestsAsync(BatchOutcome outcome, Func<int, Task<int>> sendFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.SendInRequestsAsync(sendFrom, _context.Logger, _context.Name, cancellationToken);
    }

    public void Dispose() => Sender.Dispose();
}
