using System.Globalization;
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

namespace Ogrt.Outputs.Splunk.Hec;

/// <summary>
/// Posts batches to the HTTP Event Collector (<c>/services/collector/event</c>). With
/// <c>UseAck</c> a batch only counts as delivered once the indexers acknowledge it; an
/// acknowledgement that does not come in time fails the batch, and the pipeline sends it again.
/// </summary>
internal sealed class SplunkHecOutput : IOutput
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly OutputContext _context;
    private readonly SplunkHecSettings _settings;
    private readonly HttpClient _http;
    private readonly OutputMetrics _metrics;
    private readonly DeadLetterFile _deadLetters;
    private readonly ILogger _logger;
    private readonly Uri _eventUrl;
    private readonly Uri _ackUrl;

    public SplunkHecOutput(OutputContext context, SplunkHecSettings settings)
    {
        _context = context;
        _settings = settings;
        _logger = context.Logger;
        _metrics = new OutputMetrics(context.Meter, context.MetricTags);
        _deadLetters = new DeadLetterFile(context.StateDirectory, context.TimeProvider);
        string channel = Guid.NewGuid().ToString();
        _eventUrl = new Uri(settings.Url, "services/collector/event");
        _ackUrl = new Uri(settings.Url, $"services/collector/ack?channel={channel}");
        _http = new HttpClient(settings.Tls.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Splunk", settings.Token);
        // Required with indexer acknowledgement, harmless without it.
        _http.DefaultRequestHeaders.Add("X-Splunk-Request-Channel", channel);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_settings.Tls.SkipVerify)
            _logger.LogWarning("{Output}: InsecureSkipVerify is set: the HEC server's certificate is not checked", _context.Name);
        return Task.CompletedTask;
    }

    public async Task<WriteResult> WriteAsync(IReadOnlyList<ProcessRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
            return WriteResult.Delivered;
        var eventWriter = new HecEventWriter(_settings);
        using var body = new ByteBuffer(64 * 1024);
        List<ProcessRecord>? retry = null;
        List<DeadLetter>? deadLetters = null;
        int position = 0;
        while (position < batch.Count)
        {
            int count = eventWriter.Write(body, batch, position);
            int accepted;
            try
            {
                accepted = await SendEventsAsync(body.WrittenMemory, count, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (position > 0 && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning(e, "{Output}: HEC request failed after {Accepted} of {Total} records were accepted; the rest will be retried", _context.Name, position, batch.Count);
                retry ??= [];
                retry.AddRange(batch.Skip(position));
                _metrics.Retried(batch.Count - position);
                break;
            }
            _metrics.Sent(accepted);
            if (accepted < count)
            {
                // HEC indexed the events before the invalid one and none after it.
                var invalid = batch[position + accepted];
                (deadLetters ??= []).Add(new DeadLetter(invalid, 400, "invalid_data_format", $"HEC refused event {accepted} of the request as invalid data"));
                retry ??= [];
                for (int i = position + accepted + 1; i < position + count; i++)
                    retry.Add(batch[i]);
                _metrics.Retried(count - accepted - 1);
            }
            position += count;
        }

        if (deadLetters is null)
            return retry is null ? WriteResult.Delivered : WriteResult.RetryOnly(retry);
        try
        {
            await _deadLetters.AppendAsync(deadLetters, cancellationToken).ConfigureAwait(false);
            _metrics.DeadLettered(deadLetters.Count);
            return new WriteResult(retry ?? [], deadLetters.Count, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(e, "{Output}: cannot write {Count} rejected records to {Path}; they are dropped", _context.Name, deadLetters.Count, _deadLetters.Path);
            return new WriteResult(retry ?? [], 0, deadLetters.Count);
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Posts one request of <paramref name="count"/> events and returns how many HEC accepted:
    /// all, or those before an event it refused as invalid. Throws when the request failed.
    /// </summary>
    private async Task<int> SendEventsAsync(ReadOnlyMemory<byte> body, int count, CancellationToken cancellationToken)
    {
        long started = _context.TimeProvider.GetTimestamp();
        var (status, responseBody) = await PostAsync(_eventUrl, body, _settings.Gzip, count, cancellationToken).ConfigureAwait(false);
        _metrics.Request(count, _context.TimeProvider.GetElapsedTime(started));
        var response = HecResponse.Parse(responseBody);

        if (status == HttpStatusCode.OK)
        {
            if (_settings.UseAck)
                await WaitForAckAsync(response, count, cancellationToken).ConfigureAwait(false);
            return count;
        }
        if (status == HttpStatusCode.BadRequest && response.Code == HecResponse.InvalidDataFormat && response.InvalidEventNumber is { } invalid && invalid >= 0 && invalid < count)
        {
            _logger.LogWarning("{Output}: HEC refused event {Number} of a request as invalid data ({Response})", _context.Name, invalid, response);
            return invalid;
        }

        int code = (int)status;
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            _metrics.Failed(count, "auth");
            _logger.LogError("{Output}: HEC at {Url} refused the token ({Status}, {Response}); check Token and that it is enabled and allowed to write to the index",
                _context.Name, _settings.Url, code, response);
        }
        else if (status == HttpStatusCode.ServiceUnavailable || code >= 500 || status == HttpStatusCode.TooManyRequests)
        {
            _metrics.Failed(count, $"status_{code}");
            _logger.LogWarning("{Output}: HEC is unavailable or busy ({Status}, {Response}); backing off", _context.Name, code, response);
        }
        else
        {
            _metrics.Failed(count, $"status_{code}");
            string hint = response.Code == HecResponse.IncorrectIndex ? "; check Index and the token's allowed indexes" : "";
            _logger.LogError("{Output}: HEC refused the request ({Status}, {Response}){Hint}", _context.Name, code, response, hint);
        }
        throw new HttpRequestException($"HEC {_eventUrl} answered {code} ({response})", null, status);
    }

    /// <summary>Polls <c>/services/collector/ack</c> until the request's ackId is acknowledged.</summary>
    private async Task WaitForAckAsync(HecResponse response, int count, CancellationToken cancellationToken)
    {
        if (response.AckId is not { } ackId)
        {
            _metrics.Failed(count, "ack_missing");
            _logger.LogError("{Output}: UseAck is set but HEC returned no ackId; enable indexer acknowledgement on the token or turn UseAck off", _context.Name);
            throw new InvalidOperationException("HEC returned no ackId although UseAck is set.");
        }
        byte[] query = Encoding.UTF8.GetBytes($$"""{"acks":[{{ackId}}]}""");
        string id = ackId.ToString(CultureInfo.InvariantCulture);
        long deadline = _context.TimeProvider.GetTimestamp() + (long)(_settings.AckTimeout.TotalSeconds * _context.TimeProvider.TimestampFrequency);
        while (true)
        {
            await Task.Delay(_settings.AckPollInterval, _context.TimeProvider, cancellationToken).ConfigureAwait(false);
            var (status, body) = await PostAsync(_ackUrl, query, gzip: false, count, cancellationToken).ConfigureAwait(false);
            if (status == HttpStatusCode.OK && IsAcknowledged(body, id))
                return;
            if (status != HttpStatusCode.OK)
            {
                var error = HecResponse.Parse(body);
                if (error.Code == HecResponse.AckDisabled)
                {
                    _metrics.Failed(count, "ack_disabled");
                    _logger.LogError("{Output}: UseAck is set but the token has indexer acknowledgement disabled ({Response})", _context.Name, error);
                    throw new HttpRequestException($"HEC acknowledgement is disabled ({error})", null, status);
                }
                _logger.LogWarning("{Output}: polling acknowledgement {AckId} failed ({Status}, {Response})", _context.Name, ackId, (int)status, error);
            }
            if (_context.TimeProvider.GetTimestamp() >= deadline)
            {
                _metrics.Failed(count, "ack_timeout");
                _logger.LogWarning("{Output}: acknowledgement {AckId} did not come within {Timeout} s; the batch will be sent again (possible duplicates)",
                    _context.Name, ackId, _settings.AckTimeout.TotalSeconds);
                throw new TimeoutException($"HEC did not acknowledge request {ackId} within {_settings.AckTimeout.TotalSeconds} s");
            }
        }
    }

    // {"acks":{"7":true}}
    private static bool IsAcknowledged(byte[] body, string id)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("acks", out var acks)
                && acks.ValueKind == JsonValueKind.Object
                && acks.TryGetProperty(id, out var acknowledged)
                && acknowledged.ValueKind == JsonValueKind.True;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task<(HttpStatusCode Status, byte[] Body)> PostAsync(Uri url, ReadOnlyMemory<byte> body, bool gzip, int records, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = gzip ? new ByteArrayContent(GzipCompression.Compress(body.Span)) : new ReadOnlyMemoryContent(body);
        request.Content.Headers.ContentType = JsonType;
        if (gzip)
            request.Content.Headers.ContentEncoding.Add("gzip");
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            _metrics.Failed(records, "timeout");
            _logger.LogWarning("{Output}: {Url} timed out after {Timeout} s", _context.Name, url.GetLeftPart(UriPartial.Path), _settings.RequestTimeout.TotalSeconds);
            throw new TimeoutException($"{url.GetLeftPart(UriPartial.Path)} timed out after {_settings.RequestTimeout.TotalSeconds} s", e);
        }
        catch (HttpRequestException e)
        {
            _metrics.Failed(records, "connection");
            _logger.LogWarning("{Output}: {Url} failed: {Error}", _context.Name, url.GetLeftPart(UriPartial.Path), e.Message);
            throw;
        }
    }
}
