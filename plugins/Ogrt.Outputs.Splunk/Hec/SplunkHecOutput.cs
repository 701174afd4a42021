using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ogrt.Outputs.Sdk.Buffers;
using Ogrt.Outputs.Sdk.Http;

namespace Ogrt.Outputs.Splunk.Hec;

/// <summary>
/// Posts batches to the HTTP Event Collector (<c>/services/collector/event</c>). With
/// <c>UseAck</c> a batch only counts as delivered once the indexers acknowledge it; an
/// acknowledgement that does not come in time fails the batch, and the pipeline sends it again.
/// </summary>
internal sealed class SplunkHecOutput : IOutput
{
    private const string EventPath = "services/collector/event";

    /// <summary>The acknowledgement endpoint of this output's channel.</summary>
    private readonly string _ackPath;
    private readonly HttpDestination _destination;
    private readonly OutputContext _context;
    private readonly SplunkHecSettings _settings;

    public SplunkHecOutput(OutputContext context, SplunkHecSettings settings)
    {
        string channel = Guid.NewGuid().ToString();
        _ackPath = $"services/collector/ack?channel={channel}";
        // One URL: no failover and no circuit breaking, only the request timeout.
        _destination = new HttpDestination(context, new HttpSenderOptions([settings.Url], settings.RequestTimeout, TimeSpan.Zero), settings.Tls);
        _destination.Sender.DefaultHeaders.Authorization = new AuthenticationHeaderValue("Splunk", settings.Token);
        // Required with indexer acknowledgement, harmless without it.
        _destination.Sender.DefaultHeaders.Add("X-Splunk-Request-Channel", channel);
        _context = context;
        _settings = settings;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_settings.Tls.SkipVerify)
            _context.Logger.LogWarning("{Output}: InsecureSkipVerify is set: the HEC server's certificate is not checked", _context.Name);
        return Task.CompletedTask;
    }

    public async Task<WriteResult> WriteAsync(IReadOnlyList<ProcessRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
            return WriteResult.Delivered;
        var outcome = _destination.StartBatch(batch);
        var eventWriter = new HecEventWriter(_settings);
        using var body = new ByteBuffer(64 * 1024);
        await _destination.SendInRequestsAsync(outcome, async position =>
        {
            int count = eventWriter.Write(body, batch, position, int.MaxValue, _settings.MaxRequestBytes);
            int accepted = await SendEventsAsync(body.WrittenMemory, count, cancellationToken).ConfigureAwait(false);
            _destination.Metrics.Sent(accepted);
            if (accepted < count)
            {
                // HEC indexed the events before the invalid one and none after it.
                outcome.DeadLetter(position + accepted, 400, "invalid_data_format", $"HEC refused event {accepted} of the request as invalid data");
                outcome.Retry(position + accepted + 1, count - accepted - 1);
            }
            return count;
        }, cancellationToken).ConfigureAwait(false);
        return await _destination.FinishBatchAsync(outcome, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _destination.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Posts one request of <paramref name="count"/> events and returns how many HEC accepted:
    /// all, or those before an event it refused as invalid. Throws when the request failed.
    /// </summary>
    private async Task<int> SendEventsAsync(ReadOnlyMemory<byte> body, int count, CancellationToken cancellationToken)
    {
        var reply = await _destination.Sender.SendAsync(HttpMethod.Post, EventPath, body, MediaTypes.Json, _settings.Gzip, count, cancellationToken).ConfigureAwait(false);
        var response = HecResponse.Parse(reply.Body);
        if (reply.Status == HttpStatusCode.OK)
        {
            if (_settings.UseAck)
                await WaitForAckAsync(response, count, cancellationToken).ConfigureAwait(false);
            return count;
        }
        if (reply.Status == HttpStatusCode.BadRequest && response.Code == HecResponse.InvalidDataFormat && response.InvalidEventNumber is { } invalid && invalid >= 0 && invalid < count)
        {
            _context.Logger.LogWarning("{Output}: HEC refused event {Number} of a request as invalid data ({Response})", _context.Name, invalid, response);
            return invalid;
        }
        string hint = response.Code == HecResponse.IncorrectIndex ? " (check Index and the token's allowed indexes)" : "";
        throw _destination.Sender.Refused(reply, count, $"HEC request{hint}", "check Token and that it is enabled and allowed to write to the index");
    }

    /// <summary>Polls <c>/services/collector/ack</c> until the request's ackId is acknowledged.</summary>
    private async Task WaitForAckAsync(HecResponse response, int count, CancellationToken cancellationToken)
    {
        if (response.AckId is not { } ackId)
        {
            _destination.Metrics.Failed(count, "ack_missing");
            _context.Logger.LogError("{Output}: UseAck is set but HEC returned no ackId; enable indexer acknowledgement on the token or turn UseAck off", _context.Name);
            throw new InvalidOperationException("HEC returned no ackId although UseAck is set.");
        }
        byte[] query = Encoding.UTF8.GetBytes($$"""{"acks":[{{ackId}}]}""");
        string id = ackId.ToString(CultureInfo.InvariantCulture);
        long deadline = _context.TimeProvider.GetTimestamp() + (long)(_settings.AckTimeout.TotalSeconds * _context.TimeProvider.TimestampFrequency);
        while (true)
        {
            await Task.Delay(_settings.AckPollInterval, _context.TimeProvider, cancellationToken).ConfigureAwait(false);
            if (await PollAckAsync(query, id, count, cancellationToken).ConfigureAwait(false))
                return;
            if (_context.TimeProvider.GetTimestamp() >= deadline)
            {
                _destination.Metrics.Failed(count, "ack_timeout");
                _context.Logger.LogWarning("{Output}: acknowledgement {AckId} did not come within {Timeout} s; the batch will be sent again (possible duplicates)",
                    _context.Name, ackId, _settings.AckTimeout.TotalSeconds);
                throw new TimeoutException($"HEC did not acknowledge request {ackId} within {_settings.AckTimeout.TotalSeconds} s");
            }
        }
    }

    /// <summary>One poll: true once acknowledged; a busy or failing HEC just means polling on.</summary>
    private async Task<bool> PollAckAsync(byte[] query, string id, int count, CancellationToken cancellationToken)
    {
        HttpReply reply;
        try
        {
            reply = await _destination.Sender.SendAsync(HttpMethod.Post, _ackPath, query, MediaTypes.Json, gzip: false, count, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.StatusCode is { } status && (int)status >= 500)
        {
            _context.Logger.LogWarning("{Output}: polling acknowledgement {AckId} failed ({Status})", _context.Name, id, (int)status);
            return false;
        }
        if (reply.Status == HttpStatusCode.OK)
            return IsAcknowledged(reply.Body, id);
        var error = HecResponse.Parse(reply.Body);
        if (error.Code == HecResponse.AckDisabled)
        {
            _destination.Metrics.Failed(count, "ack_disabled");
            _context.Logger.LogError("{Output}: UseAck is set but the token has indexer acknowledgement disabled ({Response})", _context.Name, error);
            throw new HttpRequestException($"HEC acknowledgement is disabled ({error})", null, reply.Status);
        }
        _context.Logger.LogWarning("{Output}: polling acknowledgement {AckId} failed ({Status}, {Response})", _context.Name, id, (int)reply.Status, error);
        return false;
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
}
