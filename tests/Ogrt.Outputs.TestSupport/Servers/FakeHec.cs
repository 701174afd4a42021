using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ogrt.Outputs.TestSupport;

/// <summary>
/// Stands in for Splunk's HTTP Event Collector (no Splunk can be installed here), following
/// its documented formats: <c>POST /services/collector/event</c> with <c>Authorization: Splunk
/// &lt;token&gt;</c> and concatenated event objects, answered <c>{"text":"Success","code":0}</c>
/// (plus <c>"ackId"</c> with acknowledgement), errors such as 403 <c>{"text":"Invalid token","code":4}</c>;
/// <c>POST /services/collector/ack?channel=…</c> with <c>{"acks":[ids]}</c>, answered
/// <c>{"acks":{"id":true|false}}</c>.
/// </summary>
public sealed class FakeHec : IAsyncDisposable
{
    private LoopbackHttpServer? _server;
    private long _nextAckId;
    private int _ackPolls;

    public Uri Url => _server!.Url;

    public string Token { get; set; } = "00000000-1111-2222-3333-444444444444";

    /// <summary>Every accepted event envelope.</summary>
    public ConcurrentQueue<JsonElement> Events { get; } = new();

    public ConcurrentQueue<(string Path, string Channel, string ContentEncoding)> Requests { get; } = new();

    /// <summary>Replies with an ackId when set (indexer acknowledgement enabled on the token).</summary>
    public bool AckEnabled { get; set; }

    /// <summary>How many polls an ackId needs before it reads true; never when negative.</summary>
    public int PollsUntilAcked { get; set; }

    /// <summary>Answers an event request instead of accepting it; return false to let it through.</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    /// <summary>The 0-based event number refused as invalid data; events before it are indexed.</summary>
    public int? InvalidEvent { get; set; }

    public int AckPolls => Volatile.Read(ref _ackPolls);

    public static async Task<FakeHec> StartAsync()
    {
        var fake = new FakeHec();
        fake._server = await LoopbackHttpServer.StartAsync(fake.HandleAsync);
        return fake;
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        string channel = request.Headers["X-Splunk-Request-Channel"].ToString();
        Requests.Enqueue((request.Path + request.QueryString, channel, request.Headers.ContentEncoding.ToString()));
        http.Response.ContentType = "application/json";
        if (request.Headers.Authorization.Count == 0)
        {
            await ReplyAsync(http, 401, """{"text":"Token is required","code":2}""");
            return;
        }
        if (request.Headers.Authorization != $"Splunk {Token}")
        {
            await ReplyAsync(http, 403, """{"text":"Invalid token","code":4}""");
            return;
        }
        byte[] body = await LoopbackHttpServer.ReadBodyAsync(request);
        if (request.Path == "/services/collector/ack")
        {
            await AckAsync(http, body, channel);
            return;
        }
        if (request.Path != "/services/collector/event")
        {
            await ReplyAsync(http, 404, """{"text":"The requested URL was not found on this server.","code":404}""");
            return;
        }
        if (Intercept is not null && await Intercept(http))
            return;

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
        int number = 0;
        var accepted = new List<JsonElement>();
        while (reader.Read())
        {
            var envelope = JsonElement.ParseValue(ref reader);
            if (number == InvalidEvent || !envelope.TryGetProperty("event", out _))
            {
                accepted.ForEach(Events.Enqueue);
                await ReplyAsync(http, 400, $$"""{"text":"Invalid data format","code":6,"invalid-event-number":{{number}}}""");
                return;
            }
            accepted.Add(envelope);
            number++;
        }
        accepted.ForEach(Events.Enqueue);
        if (AckEnabled)
        {
            if (channel.Length == 0)
            {
                await ReplyAsync(http, 400, """{"text":"Data channel is missing","code":10}""");
                return;
            }
            await ReplyAsync(http, 200, $$"""{"text":"Success","code":0,"ackId":{{Interlocked.Increment(ref _nextAckId)}}}""");
            return;
        }
        await ReplyAsync(http, 200, """{"text":"Success","code":0}""");
    }

    private async Task AckAsync(HttpContext http, byte[] body, string channel)
    {
        if (!AckEnabled)
        {
            await ReplyAsync(http, 400, """{"text":"ACK is disabled","code":14}""");
            return;
        }
        if (http.Request.Query["channel"] != channel)
        {
            await ReplyAsync(http, 400, """{"text":"Invalid data channel","code":11}""");
            return;
        }
        int polls = Interlocked.Increment(ref _ackPolls);
        bool acknowledged = PollsUntilAcked >= 0 && polls > PollsUntilAcked;
        using var query = JsonDocument.Parse(body);
        var acks = query.RootElement.GetProperty("acks").EnumerateArray()
            .Select(id => $"\"{id.GetInt64()}\":{(acknowledged ? "true" : "false")}");
        await ReplyAsync(http, 200, "{\"acks\":{" + string.Join(',', acks) + "}}");
    }

    private static async Task ReplyAsync(HttpContext http, int status, string body)
    {
        http.Response.StatusCode = status;
        await http.Response.WriteAsync(body);
    }
}
