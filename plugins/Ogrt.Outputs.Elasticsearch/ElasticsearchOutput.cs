using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Ogrt.Outputs.Sdk.Batches;
using Ogrt.Outputs.Sdk.Buffers;
using Ogrt.Outputs.Sdk.Http;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// Sends batches to Elasticsearch or OpenSearch with <c>_bulk</c>. Per-item results decide each
/// record's fate: accepted, handed back for retry (429/5xx) or dead-lettered (other 4xx, such
/// as mapping errors). A request that fails as a whole throws, so the pipeline retries.
/// </summary>
internal sealed class ElasticsearchOutput(OutputContext context, ElasticsearchSettings settings) : IOutput
{
    // Only what the output reads: keeps large responses (one item per record) small.
    private const string BulkPath = "_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason";

    private readonly HttpDestination _destination = Connect(context, settings);
    private volatile bool _templateInstalled = !settings.Options.InstallTemplate;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.Tls.SkipVerify)
            context.Logger.LogWarning("{Output}: InsecureSkipVerify is set: the Elasticsearch server's certificate is not checked", context.Name);
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
            throw new OutputConfigurationException(context.KeyOf(setting),
                $"the cluster refused the index template {settings.TemplateName}: {e.Message}. For 'same priority', choose a TemplatePriority "
                + "that no other template matching these indices has (or delete the template this one replaces).", e);
        }
    }

    /// <summary>The cluster's nodes with the configured credentials on every request.</summary>
    private static HttpDestination Connect(OutputContext context, ElasticsearchSettings settings)
    {
        var destination = new HttpDestination(context, new HttpSenderOptions(settings.Nodes, settings.Options.RequestTimeout, settings.Options.NodeCooldown), settings.Tls);
        var headers = destination.Sender.DefaultHeaders;
        if (settings.Options.ApiKey is not null)
            headers.Authorization = new AuthenticationHeaderValue("ApiKey", settings.Options.ApiKey);
        else if (settings.Options.Username is not null)
            headers.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{settings.Options.Username}:{settings.Options.Password}")));
        return destination;
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

        var outcome = _destination.StartBatch(batch);
        var bodyWriter = new BulkBodyWriter(settings);
        using var body = new ByteBuffer(64 * 1024);
        int maxRecords = settings.Options.MaxBulkRecords;
        await _destination.SendInRequestsAsync(outcome, async position =>
        {
            int count = bodyWriter.Write(body, batch, position, maxRecords, settings.MaxBulkBytes);
            byte[] response;
            try
            {
                response = await SendAsync(HttpMethod.Post, BulkPath, body.WrittenMemory, MediaTypes.NdJson, count, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (IsTooLarge(e.StatusCode) && count > 1)
            {
                // A whole-request 429 (indexing pressure, a circuit breaker) or 413 comes back
                // for every request of this size: halve it, or the batch never gets through.
                maxRecords = count / 2;
                context.Logger.LogWarning("{Output}: a request of {Count} records was refused as a whole ({Status}); sending at most {Max} per request for this batch",
                    context.Name, count, (int)e.StatusCode!.Value, maxRecords);
                return 0;
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                // One record larger than the cluster takes (http.max_content_length) never fits.
                outcome.DeadLetter(position, (int)HttpStatusCode.RequestEntityTooLarge, "request_entity_too_large", e.Message);
                return 1;
            }
            ClassifyItems(outcome, batch, position, count, response);
            return count;
        }, cancellationToken).ConfigureAwait(false);
        return await _destination.FinishBatchAsync(outcome, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsTooLarge(HttpStatusCode? status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestEntityTooLarge;

    public ValueTask DisposeAsync()
    {
        _destination.Dispose();
        return ValueTask.CompletedTask;
    }

    private void ClassifyItems(BatchOutcome outcome, IReadOnlyList<ProcessRecord> batch, int start, int count, byte[] response)
    {
        List<BulkItemResult>? items;
        try
        {
            items = BulkResponse.ReadFailures(response);
        }
        catch (JsonException e)
        {
            // Nothing says which items were indexed: retrying all may duplicate, never loses.
            context.Logger.LogError(e, "{Output}: unreadable bulk response; retrying its {Count} records", context.Name, count);
            outcome.Retry(start, count);
            return;
        }
        if (items is null)
        {
            _destination.Metrics.Sent(count);
            return;
        }
        if (items.Count != count)
            context.Logger.LogError("{Output}: bulk response has {Items} items for {Count} actions; records without a result are retried", context.Name, items.Count, count);

        int sent = 0;
        int deadLettered = 0;
        string? firstReason = null;
        for (int i = 0; i < count; i++)
        {
            var item = i < items.Count ? items[i] : new BulkItemResult(0, null, "no result for this item");
            if (item.Succeeded || IsAlreadyIndexed(item))
            {
                sent++;
            }
            else if (item.Transient || item.Status == 0)
            {
                outcome.Retry(start + i, 1);
            }
            else
            {
                outcome.DeadLetter(start + i, item.Status, item.ErrorType ?? "unknown", item.Reason ?? "no reason given");
                deadLettered++;
                firstReason ??= $"{item.Status} {item.ErrorType}: {item.Reason}";
            }
        }
        _destination.Metrics.Sent(sent);
        if (firstReason is not null)
            context.Logger.LogWarning("{Output}: Elasticsearch rejected {Count} records for good, e.g. {Reason}", context.Name, deadLettered, firstReason);
    }

    /// <summary>
    /// A data stream's <c>create</c> of an id that exists: an earlier attempt of this record was
    /// indexed (its response was lost), so the record is delivered.
    /// </summary>
    private bool IsAlreadyIndexed(BulkItemResult item) =>
        settings.DataStream is not null && item.Status == (int)HttpStatusCode.Conflict && item.ErrorType == "version_conflict_engine_exception";

    private async Task InstallTemplateAsync(CancellationToken cancellationToken)
    {
        var (path, body) = IndexTemplate.Build(settings);
        await SendAsync(HttpMethod.Put, path, body, MediaTypes.Json, 0, cancellationToken).ConfigureAwait(false);
        _templateInstalled = true;
        context.Logger.LogInformation("{Output}: index template installed with {Path}", context.Name, path);
    }

    /// <summary>Sends one request (failing over between nodes); returns the body of a 2xx response, throws otherwise.</summary>
    private async Task<byte[]> SendAsync(HttpMethod method, string path, ReadOnlyMemory<byte> body, MediaTypeHeaderValue contentType,
        int records, CancellationToken cancellationToken)
    {
        var reply = await _destination.Sender.SendAsync(method, path, body, contentType, settings.Options.Gzip, records, cancellationToken).ConfigureAwait(false);
        // 429 is back-pressure from the whole cluster, and any other 4xx would repeat on
        // every node: no failover, the pipeline retries with backoff.
        return reply.IsSuccess ? reply.Body : throw _destination.Sender.Refused(reply, records, $"{method} {path}", "check Username/Password or ApiKey and the user's index privileges");
    }
}
