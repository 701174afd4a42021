using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.Buffers;
using Ogrt.Outputs.Sdk.DeadLetters;
using Ogrt.Outputs.Sdk.Http;
using Ogrt.Outputs.Sdk.Metrics;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// Sends batches to Elasticsearch or OpenSearch with <c>_bulk</c>. Per-item results decide each
/// record's fate: accepted, handed back for retry (429/5xx) or dead-lettered (other 4xx, such
/// as mapping errors). A request that fails as a whole throws, so the pipeline retries.
/// </summary>
internal sealed class ElasticsearchOutput : IOutput
{
    // Only what the output reads: keeps large responses (one item per record) small.
    private const string BulkPath = "_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason";
    private static readonly MediaTypeHeaderValue NdjsonType = new("application/x-ndjson");
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly OutputContext _context;
    private readonly ElasticsearchSettings _settings;
    private readonly HttpClient _http;
    private readonly NodePool _nodes;
    private readonly OutputMetrics _metrics;
    private readonly DeadLetterFile _deadLetters;
    private readonly ILogger _logger;
    private volatile bool _templateInstalled;

    public ElasticsearchOutput(OutputContext context, ElasticsearchSettings settings)
    {
        _context = context;
        _settings = settings;
        _logger = context.Logger;
        _nodes = new NodePool(settings.Nodes, settings.Options.NodeCooldown, context.TimeProvider);
        _metrics = new OutputMetrics(context.Meter, context.MetricTags);
        _deadLetters = new DeadLetterFile(context.StateDirectory, context.TimeProvider);
        _http = new HttpClient(settings.Tls.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        if (settings.Options.ApiKey is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", settings.Options.ApiKey);
        else if (settings.Options.Username is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Options.Username}:{settings.Options.Password}")));
        _templateInstalled = !settings.Options.InstallTemplate;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_settings.Tls.SkipVerify)
            _logger.LogWarning("{Output}: InsecureSkipVerify is set: the Elasticsearch server's certificate is not checked", _context.Name);
        if (_templateInstalled)
            return;
        try
        {
            await InstallTemplateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.StatusCode is { } status && IsRefusal(status))
        {
            // The cluster will refuse this template every time (a priority clash with another
            // template, a key its API does not know): nothing could ever be indexed.
            string setting = e.Message.Contains("priority", StringComparison.Ordinal) ? "TemplatePriority" : "TemplateApi";
            throw new OutputConfigurationException(_context.KeyOf(setting),
                $"the cluster refused the index template {_settings.TemplateName}: {e.Message}. For 'same priority', choose a TemplatePriority "
                + "that no other template matching these indices has (or delete the template this one replaces).", e);
        }
    }

    /// <summary>A 4xx that repeats whatever is retried; not credentials or back-pressure, which can change.</summary>
    private static bool IsRefusal(HttpStatusCode status) =>
        (int)status is >= 400 and < 500
        && status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);

    public async Task<WriteResult> WriteAsync(IReadOnlyList<ProcessRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
            return WriteResult.Delivered;
        // No document goes out before its mappings exist: an index (or data stream) created
        // without the template keeps dynamic mappings for good.
        if (!_templateInstalled)
            await InstallTemplateAsync(cancellationToken).ConfigureAwait(false);

        var bodyWriter = new BulkBodyWriter(_settings);
        using var body = new ByteBuffer(64 * 1024);
        List<ProcessRecord>? retry = null;
        List<DeadLetter>? deadLetters = null;
        int position = 0;
        int maxRecords = _settings.Options.MaxBulkRecords;
        while (position < batch.Count)
        {
            int count = bodyWriter.Write(body, batch, position, maxRecords);
            byte[] response;
            try
            {
                response = await SendAsync(HttpMethod.Post, BulkPath, body.WrittenMemory, NdjsonType, count, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (IsTooLarge(e.StatusCode) && count > 1)
            {
                // A whole-request 429 (indexing pressure, a circuit breaker) or 413 comes back
                // for every request of this size: halve it, or the batch never gets through.
                maxRecords = count / 2;
                _logger.LogWarning("{Output}: a request of {Count} records was refused as a whole ({Status}); sending at most {Max} per request for this batch",
                    _context.Name, count, (int)e.StatusCode!.Value, maxRecords);
                continue;
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                // One record larger than the cluster takes (http.max_content_length) never fits.
                (deadLetters ??= []).Add(new DeadLetter(batch[position], (int)HttpStatusCode.RequestEntityTooLarge, "request_entity_too_large", e.Message));
                position++;
                continue;
            }
            catch (Exception e) when (position > 0 && !cancellationToken.IsCancellationRequested)
            {
                // Earlier requests of this batch were accepted: hand back only the rest, so
                // a retry does not index those twice.
                _logger.LogWarning(e, "{Output}: bulk request failed after {Accepted} of {Total} records were accepted; the rest will be retried", _context.Name, position, batch.Count);
                retry ??= [];
                for (int i = position; i < batch.Count; i++)
                    retry.Add(batch[i]);
                _metrics.Retried(batch.Count - position);
                break;
            }
            ClassifyItems(batch, position, count, response, ref retry, ref deadLetters);
            position += count;
        }

        int deadLettered = 0;
        int rejected = 0;
        if (deadLetters is not null)
            (deadLettered, rejected) = await KeepDeadLettersAsync(deadLetters, cancellationToken).ConfigureAwait(false);
        return retry is null && deadLetters is null ? WriteResult.Delivered : new WriteResult(retry ?? [], deadLettered, rejected);
    }

    private static bool IsTooLarge(HttpStatusCode? status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestEntityTooLarge;

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private void ClassifyItems(IReadOnlyList<ProcessRecord> batch, int start, int count, byte[] response,
        ref List<ProcessRecord>? retry, ref List<DeadLetter>? deadLetters)
    {
        List<BulkItemResult>? items;
        try
        {
            items = BulkResponse.ReadFailures(response);
        }
        catch (JsonException e)
        {
            // Nothing says which items were indexed: retrying all may duplicate, never loses.
            _logger.LogError(e, "{Output}: unreadable bulk response; retrying its {Count} records", _context.Name, count);
            retry ??= [];
            for (int i = 0; i < count; i++)
                retry.Add(batch[start + i]);
            _metrics.Retried(count);
            return;
        }
        if (items is null)
        {
            _metrics.Sent(count);
            return;
        }
        if (items.Count != count)
            _logger.LogError("{Output}: bulk response has {Items} items for {Count} actions; records without a result are retried", _context.Name, items.Count, count);

        int sent = 0;
        int retried = 0;
        string? firstReason = null;
        for (int i = 0; i < count; i++)
        {
            var record = batch[start + i];
            var item = i < items.Count ? items[i] : new BulkItemResult(0, null, "no result for this item");
            if (item.Succeeded || IsAlreadyIndexed(item))
            {
                sent++;
            }
            else if (item.Transient || item.Status == 0)
            {
                (retry ??= []).Add(record);
                retried++;
            }
            else
            {
                (deadLetters ??= []).Add(new DeadLetter(record, item.Status, item.ErrorType ?? "unknown", item.Reason ?? "no reason given"));
                firstReason ??= $"{item.Status} {item.ErrorType}: {item.Reason}";
            }
        }
        _metrics.Sent(sent);
        _metrics.Retried(retried);
        if (firstReason is not null)
            _logger.LogWarning("{Output}: Elasticsearch rejected {Count} records for good, e.g. {Reason}", _context.Name, count - sent - retried, firstReason);
    }

    /// <summary>
    /// A data stream's <c>create</c> of an id that exists: an earlier attempt of this record was
    /// indexed (its response was lost), so the record is delivered.
    /// </summary>
    private bool IsAlreadyIndexed(BulkItemResult item) =>
        _settings.DataStream is not null && item.Status == (int)HttpStatusCode.Conflict && item.ErrorType == "version_conflict_engine_exception";

    private async Task<(int DeadLettered, int Rejected)> KeepDeadLettersAsync(List<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        try
        {
            await _deadLetters.AppendAsync(deadLetters, cancellationToken).ConfigureAwait(false);
            _metrics.DeadLettered(deadLetters.Count);
            return (deadLetters.Count, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(e, "{Output}: cannot write {Count} rejected records to {Path}; they are dropped", _context.Name, deadLetters.Count, _deadLetters.Path);
            return (0, deadLetters.Count);
        }
    }

    private async Task InstallTemplateAsync(CancellationToken cancellationToken)
    {
        var (path, body) = IndexTemplate.Build(_settings);
        await SendAsync(HttpMethod.Put, path, body, JsonType, 0, cancellationToken).ConfigureAwait(false);
        _templateInstalled = true;
        _logger.LogInformation("{Output}: index template installed with {Path}", _context.Name, path);
    }

    /// <summary>
    /// Sends one request, failing over to the next node on connection errors, timeouts and
    /// 5xx. Returns the body of a 2xx response; throws when the request failed as a whole.
    /// </summary>
    private async Task<byte[]> SendAsync(HttpMethod method, string path, ReadOnlyMemory<byte> body, MediaTypeHeaderValue contentType,
        int records, CancellationToken cancellationToken)
    {
        byte[]? compressed = _settings.Options.Gzip ? GzipCompression.Compress(body.Span) : null;
        Exception? lastError = null;
        foreach (var node in _nodes.Candidates())
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_settings.Options.RequestTimeout);
            using var request = new HttpRequestMessage(method, new Uri(node, path));
            request.Content = compressed is null ? new ReadOnlyMemoryContent(body) : new ByteArrayContent(compressed);
            request.Content.Headers.ContentType = contentType;
            if (compressed is not null)
                request.Content.Headers.ContentEncoding.Add("gzip");

            long started = _context.TimeProvider.GetTimestamp();
            HttpStatusCode status;
            byte[] responseBody;
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                status = response.StatusCode;
                responseBody = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = new TimeoutException($"{method} {node}{path} timed out after {_settings.Options.RequestTimeout.TotalSeconds} s", e);
                Failed(node, records, "timeout", lastError);
                continue;
            }
            catch (HttpRequestException e)
            {
                lastError = new HttpRequestException($"{method} {node}{path} failed: {e.Message}", e);
                Failed(node, records, "connection", lastError);
                continue;
            }
            _metrics.Request(records, _context.TimeProvider.GetElapsedTime(started));

            int code = (int)status;
            if (code is >= 200 and < 300)
            {
                _nodes.MarkHealthy(node);
                return responseBody;
            }
            string detail = Excerpt(responseBody);
            if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                _metrics.Failed(records, "auth");
                _logger.LogError("{Output}: {Node} refused the credentials ({Status}); check Username/Password or ApiKey and the user's index privileges: {Detail}",
                    _context.Name, node, code, detail);
                throw new HttpRequestException($"{method} {node}{path}: authentication or authorization failed ({code}): {detail}", null, status);
            }
            var error = new HttpRequestException($"{method} {node}{path} answered {code}: {detail}", null, status);
            if (code >= 500)
            {
                lastError = error;
                Failed(node, records, $"status_{code}", error);
                continue;
            }
            // 429 is back-pressure from the whole cluster, and any other 4xx would repeat on
            // every node: no failover, the pipeline retries with backoff.
            _metrics.Failed(records, $"status_{code}");
            if (status == HttpStatusCode.TooManyRequests)
                _logger.LogWarning("{Output}: {Node} is overloaded (429); backing off", _context.Name, node);
            else
                _logger.LogError("{Output}: {Method} {Path} was refused by {Node}: {Status} {Detail}", _context.Name, method, path, node, code, detail);
            throw error;
        }
        throw lastError ?? new InvalidOperationException("No Elasticsearch node is configured.");
    }

    private void Failed(Uri node, int records, string reason, Exception error)
    {
        _metrics.Failed(records, reason);
        _nodes.MarkFailed(node);
        _logger.LogWarning("{Output}: {Error}; {Node} sits out {Cooldown} s", _context.Name, error.Message, node, _settings.Options.NodeCooldown.TotalSeconds);
    }

    private static string Excerpt(byte[] body)
    {
        const int Limit = 512;
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, Limit));
        return body.Length > Limit ? text + "…" : text;
    }
}
