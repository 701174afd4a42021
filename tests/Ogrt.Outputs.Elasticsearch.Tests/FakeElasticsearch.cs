using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Ogrt.Outputs.TestSupport;

namespace Ogrt.Outputs.Elasticsearch.Tests;

/// <summary>
/// Stands in for an Elasticsearch node (none can be installed here), following the documented
/// REST formats: <c>_bulk</c> takes NDJSON (optionally gzip-encoded) and answers with one
/// result per action in request order, <c>{"took":…,"errors":…,"items":[{"index":{…,"status":201}}]}</c>;
/// failed items carry <c>{"error":{"type":…,"reason":…}}</c>; template PUTs answer
/// <c>{"acknowledged":true}</c>; bad credentials get 401 with a security exception.
/// </summary>
public sealed class FakeElasticsearch : IAsyncDisposable
{
    private LoopbackHttpServer? _server;
    private int _requests;

    public Uri Url => _server!.Url;

    /// <summary>Every (action, document) pair of every bulk request accepted for parsing.</summary>
    public ConcurrentQueue<(JsonElement Action, JsonElement Document)> Items { get; } = new();

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>The Authorization header a request must carry; null accepts any.</summary>
    public string? RequiredAuthorization { get; set; }

    /// <summary>The status of one bulk item; 201 unless a test says otherwise.</summary>
    public Func<JsonElement, int> ItemStatus { get; set; } = _ => 201;

    /// <summary>
    /// Answers a whole request before bulk handling (e.g. 429, 503, a stall); returns false to
    /// let it through. The argument is the 1-based number of the request.
    /// </summary>
    public Func<HttpContext, int, Task<bool>>? Intercept { get; set; }

    public int RequestCount => Volatile.Read(ref _requests);

    public static async Task<FakeElasticsearch> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var fake = new FakeElasticsearch();
        fake._server = await LoopbackHttpServer.StartAsync(fake.HandleAsync, certificate);
        return fake;
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    public List<JsonElement> Documents() => Items.Select(item => item.Document).ToList();

    private async Task HandleAsync(HttpContext http)
    {
        int number = Interlocked.Increment(ref _requests);
        var body = await LoopbackHttpServer.ReadBodyAsync(http.Request);
        Requests.Enqueue(new ReceivedRequest(http.Request.Method, http.Request.Path + http.Request.QueryString,
            http.Request.Headers.Authorization.ToString(), http.Request.Headers.ContentEncoding.ToString(),
            http.Request.ContentType, body));

        if (RequiredAuthorization is not null && http.Request.Headers.Authorization != RequiredAuthorization)
        {
            http.Response.StatusCode = 401;
            await http.Response.WriteAsync("""{"error":{"type":"security_exception","reason":"unable to authenticate user [ogrt] for REST request [/_bulk]"},"status":401}""");
            return;
        }
        if (Intercept is not null && await Intercept(http, number))
            return;

        http.Response.ContentType = "application/json";
        if (http.Request.Method == "PUT")
        {
            await http.Response.WriteAsync("""{"acknowledged":true}""");
            return;
        }
        if (http.Request.Path != "/_bulk")
        {
            http.Response.StatusCode = 404;
            return;
        }
        await http.Response.WriteAsync(Bulk(body));
    }

    private string Bulk(byte[] body)
    {
        var results = new List<string>();
        bool errors = false;
        var lines = Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            using var action = JsonDocument.Parse(lines[i]);
            using var document = JsonDocument.Parse(lines[i + 1]);
            var actionProperty = action.RootElement.EnumerateObject().Single();
            string index = actionProperty.Value.GetProperty("_index").GetString()!;
            int status = ItemStatus(document.RootElement);
            if (status is >= 200 and < 300)
            {
                Items.Enqueue((action.RootElement.Clone(), document.RootElement.Clone()));
                results.Add($$$"""{"{{{actionProperty.Name}}}":{"_index":"{{{index}}}","_id":"id{{{i}}}","_version":1,"result":"created","status":{{{status}}}}}""");
            }
            else
            {
                errors = true;
                string type = status == 429 ? "es_rejected_execution_exception" : status >= 500 ? "unavailable_shards_exception" : "mapper_parsing_exception";
                string error = $$$"""{"type":"{{{type}}}","reason":"failed to handle item {{{i / 2}}}","caused_by":{"type":"x","reason":"y"}}""";
                results.Add($$$"""{"{{{actionProperty.Name}}}":{"_index":"{{{index}}}","_id":null,"status":{{{status}}},"error":{{{error}}}}}""");
            }
        }
        return $$"""{"took":3,"errors":{{(errors ? "true" : "false")}},"items":[{{string.Join(',', results)}}]}""";
    }

    public sealed record ReceivedRequest(string Method, string PathAndQuery, string Authorization, string ContentEncoding, string? ContentType, byte[] Body)
    {
        public string Text => Encoding.UTF8.GetString(Body);
    }
}
