using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.Metrics;
using Ogrt.Outputs.Sdk.Tls;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Ogrt.Outputs.Sdk.Http;

/// <summary>
/// Sends an output's requests to its destination's nodes: round-robin, failing over to the next
/// node on a connection error, an attempt timeout or a 5xx; a node whose requests keep failing
/// sits out (a Polly circuit breaker per node). Returns the first reply that is the
/// destination's answer (2xx, 4xx); throws when every node failed, and the collector's pipeline
/// retries the batch with its backoff. Retrying is not done here.
/// </summary>
public sealed class HttpBatchSender : IDisposable
{
    private readonly HttpSenderOptions _options;
    private readonly OutputContext _context;
    private readonly OutputMetrics _metrics;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpReply>[] _nodePipelines;
    private readonly ResiliencePipeline _total;
    private int _next = -1;

    /// <param name="handler">The HTTP handler; null for one with <paramref name="tls"/>'s certificate check.</param>
    public HttpBatchSender(HttpSenderOptions options, ServerCertificateCheck tls, OutputContext context, OutputMetrics metrics, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tls);
        ArgumentNullException.ThrowIfNull(context);
        if (options.Nodes.Count == 0)
            throw new ArgumentException("At least one node is needed.", nameof(options));
        _options = options;
        _context = context;
        _metrics = metrics;
        // Timeouts come from the pipelines, per attempt and in total, so that one is told apart from shutdown.
        _http = new HttpClient(handler ?? tls.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        _nodePipelines = [.. options.Nodes.Select(_ => NodePipeline(options, context.TimeProvider))];
        _total = new ResiliencePipelineBuilder { TimeProvider = context.TimeProvider }
            .AddTimeout(options.AttemptTimeout * options.Nodes.Count)
            .Build();
    }

    /// <summary>Headers every request carries (authorization, channel).</summary>
    public HttpRequestHeaders DefaultHeaders => _http.DefaultRequestHeaders;

    /// <summary>
    /// Sends one request of <paramref name="records"/> records (0 for a request that carries
    /// none) and returns the destination's answer. Failures are counted per attempt in
    /// <c>records.failed</c> by reason: connection, timeout, status_5xx, circuit_open.
    /// </summary>
    /// <exception cref="HttpRequestException">No node answered, or each answered 5xx (with its status).</exception>
    /// <exception cref="TimeoutException">The last node tried timed out.</exception>
    public async Task<HttpReply> SendAsync(HttpMethod method, string path, ReadOnlyMemory<byte> body, MediaTypeHeaderValue contentType,
        bool gzip, int records, CancellationToken cancellationToken)
    {
        var request = new Request(method, path, body, gzip ? GzipCompression.Compress(body.Span) : null, contentType, records);
        try
        {
            return await _total.ExecuteAsync(
                static (state, token) => new ValueTask<HttpReply>(state.Sender.SendToNodesAsync(state.Request, token)),
                (Sender: this, Request: request), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            _metrics.Failed(records, "timeout");
            throw new TimeoutException($"{method} {path} did not complete within {e.Timeout.TotalSeconds} s on any node", e);
        }
    }

    /// <summary>
    /// For a reply that is neither success nor a node failure: counts the records as failed
    /// (<c>auth</c> or <c>status_&lt;code&gt;</c>), logs what the operator should check, and returns
    /// the exception to throw so the pipeline retries the batch.
    /// </summary>
    public HttpRequestException Refused(HttpReply reply, int records, string what, string credentialsHint)
    {
        int code = (int)reply.Status;
        string detail = reply.Excerpt();
        if (reply.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            _metrics.Failed(records, "auth");
            _context.Logger.LogError("{Output}: {Node} refused the credentials ({Status}); {Hint}: {Detail}", _context.Name, reply.Node, code, credentialsHint, detail);
            return new HttpRequestException($"{what} at {reply.Node}: authentication or authorization failed ({code}): {detail}", null, reply.Status);
        }
        _metrics.Failed(records, $"status_{code}");
        if (reply.Status == HttpStatusCode.TooManyRequests)
            _context.Logger.LogWarning("{Output}: {Node} is overloaded (429); backing off", _context.Name, reply.Node);
        else
            _context.Logger.LogError("{Output}: {What} was refused by {Node}: {Status} {Detail}", _context.Name, what, reply.Node, code, detail);
        return new HttpRequestException($"{what} at {reply.Node} answered {code}: {detail}", null, reply.Status);
    }

    public void Dispose() => _http.Dispose();

    private static ResiliencePipeline<HttpReply> NodePipeline(HttpSenderOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder<HttpReply> { TimeProvider = timeProvider };
        if (options.BreakDuration > TimeSpan.Zero)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpReply>
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = options.BreakDuration < TimeSpan.FromSeconds(0.5) ? TimeSpan.FromSeconds(0.5) : options.BreakDuration,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException or TimeoutRejectedException
                                                                   || (args.Outcome.Exception is null && IsNodeFailure(args.Outcome.Result.Status))),
            });
        }
        return builder.AddTimeout(options.AttemptTimeout).Build();
    }

    /// <summary>A 5xx: this node cannot take the request now, another one may.</summary>
    private static bool IsNodeFailure(HttpStatusCode status) => (int)status >= 500;

    private async Task<HttpReply> SendToNodesAsync(Request request, CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        int open = 0;
        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_nodePipelines.Length);
        for (int offset = 0; offset < _nodePipelines.Length; offset++)
        {
            int index = (start + offset) % _nodePipelines.Length;
            var node = _options.Nodes[index];
            long started = _context.TimeProvider.GetTimestamp();
            try
            {
                var reply = await _nodePipelines[index].ExecuteAsync(
                    static (state, token) => new ValueTask<HttpReply>(state.Sender.AttemptAsync(state.Node, state.Request, token)),
                    (Sender: this, Node: node, Request: request), cancellationToken).ConfigureAwait(false);
                _metrics.Request(request.Records, _context.TimeProvider.GetElapsedTime(started));
                if (!IsNodeFailure(reply.Status))
                    return reply;
                lastError = new HttpRequestException($"{request.Describe(node)} answered {(int)reply.Status}: {reply.Excerpt()}", null, reply.Status);
                Failed(request.Records, $"status_{(int)reply.Status}", lastError);
            }
            catch (TimeoutRejectedException e) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = new TimeoutException($"{request.Describe(node)} timed out after {_options.AttemptTimeout.TotalSeconds} s", e);
                Failed(request.Records, "timeout", lastError);
            }
            catch (HttpRequestException e)
            {
                lastError = new HttpRequestException($"{request.Describe(node)} failed: {e.Message}", e);
                Failed(request.Records, "connection", lastError);
            }
            catch (BrokenCircuitException e)
            {
                // The node sits out; the next one takes the request without counting a failure.
                open++;
                lastError ??= new HttpRequestException($"{node} sits out after repeated failures (circuit open)", e);
            }
        }
        if (open == _nodePipelines.Length)
            Failed(request.Records, "circuit_open", lastError!);
        throw lastError!;
    }

    private async Task<HttpReply> AttemptAsync(Uri node, Request request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, new Uri(node, request.Path));
        message.Content = request.Compressed is null ? new ReadOnlyMemoryContent(request.Body) : new ByteArrayContent(request.Compressed);
        message.Content.Headers.ContentType = request.ContentType;
        if (request.Compressed is not null)
            message.Content.Headers.ContentEncoding.Add("gzip");
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return new HttpReply(node, response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
    }

    private void Failed(int records, string reason, Exception error)
    {
        _metrics.Failed(records, reason);
        _context.Logger.LogWarning("{Output}: {Error}", _context.Name, error.Message);
    }

    private sealed record Request(HttpMethod Method, string Path, ReadOnlyMemory<byte> Body, byte[]? Compressed, MediaTypeHeaderValue ContentType, int Records)
    {
        public string Describe(Uri node) => $"{Method} {new Uri(node, Path).GetLeftPart(UriPartial.Path)}";
    }
}
