using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ogrt.Outputs.TestSupport;

/// <summary>
/// Stands in for an Elasticsearch 7.10+ node (none can be installed here), following the
/// documented REST behaviour:
/// <list type="bullet">
/// <item><c>_bulk</c> takes NDJSON (optionally gzip-encoded) and answers with one result per
/// action in request order; failed items carry <c>{"error":{"type":…,"reason":…}}</c>. Documents
/// are kept by index and <c>_id</c>: <c>index</c> of an existing id replaces it (200,
/// <c>updated</c>), <c>create</c> of one fails with 409 <c>version_conflict_engine_exception</c>.</item>
/// <item>A request larger than <see cref="IndexingPressureLimitBytes"/> is refused as a whole with
/// 429 <c>es_rejected_execution_exception</c> (indexing pressure), whatever its items.</item>
/// <item><c>PUT _template/&lt;name&gt;</c> (legacy) refuses top-level keys other than
/// index_patterns, order, version, settings, mappings and aliases with 400
/// <c>unknown key [_meta] in the template</c>; <c>PUT _index_template/&lt;name&gt;</c> refuses
/// unknown fields, and a template whose patterns overlap another composable template's with
/// the same priority (400 <c>illegal_argument_exception</c>). A PUT replaces a template of the
/// same name.</item>
/// <item>Bad credentials get 401 with a security exception.</item>
/// </list>
/// </summary>
public sealed class FakeElasticsearch : IAsyncDisposable
{
    private static readonly string[] LegacyTemplateKeys = ["index_patterns", "order", "version", "settings", "mappings", "aliases"];

    private static readonly string[] ComposableTemplateKeys =
        ["index_patterns", "template", "composed_of", "priority", "version", "_meta", "data_stream", "allow_auto_create"];

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Index, string Id), JsonElement> _stored = [];
    private readonly Dictionary<string, (string[] Patterns, long Priority)> _composableTemplates = [];
    private LoopbackHttpServer? _server;
    private int _requests;
    private int _generatedIds;

    public Uri Url => _server!.Url;

    /// <summary>Every (action, document) pair of every item accepted, in order, repeats included.</summary>
    public ConcurrentQueue<(JsonElement Action, JsonElement Document)> Items { get; } = new();

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>The Authorization header a request must carry; null accepts any.</summary>
    public string? RequiredAuthorization { get; set; }

    /// <summary>The status of one bulk item; 201 unless a test says otherwise.</summary>
    public Func<JsonElement, int> ItemStatus { get; set; } = _ => 201;

    /// <summary>Bulk bodies (as received) larger than this get a whole-request 429; null: no limit.</summary>
    public int? IndexingPressureLimitBytes { get; set; }

    /// <summary>
    /// Answers a whole request before bulk handling (e.g. 429, 503, a stall); returns false to
    /// let it through. The argument is the 1-based number of the request.
    /// </summary>
    public Func<HttpContext, int, Task<bool>>? Intercept { get; set; }

    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>The documents the cluster holds now, one per index and id.</summary>
    public int StoredCount
    {
        get
        {
            lock (_lock)
                return _stored.Count;
        }
    }

    public static async Task<FakeElasticsearch> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var fake = new FakeElasticsearch();
        fake._server = await LoopbackHttpServer.StartAsync(fake.HandleAsync, certificate);
        return fake;
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    public List<JsonElement> Documents() => Items.Select(item => item.Document).ToList();

    /// <summary>A composable template some other application installed earlier.</summary>
    public void AddComposableTemplate(string name, string[] patterns, long priority)
    {
        lock (_lock)
            _composableTemplates[name] = (patterns, priority);
    }

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
        string path = http.Request.Path.Value ?? "";
        var (status, response) = (http.Request.Method, path) switch
        {
            ("PUT", _) when path.StartsWith("/_template/", StringComparison.Ordinal) => PutLegacyTemplate(body),
            ("PUT", _) when path.StartsWith("/_index_template/", StringComparison.Ordinal) => PutComposableTemplate(path["/_index_template/".Length..], body),
            ("POST", "/_bulk") when body.Length > IndexingPressureLimitBytes => (429, IndexingPressureRejection(body.Length)),
            ("POST", "/_bulk") => (200, Bulk(body)),
            _ => (404, """{"error":"no handler found","status":404}"""),
        };
        http.Response.StatusCode = status;
        await http.Response.WriteAsync(response);
    }

    private static (int, string) PutLegacyTemplate(byte[] body)
    {
        using var template = JsonDocument.Parse(body);
        foreach (var property in template.RootElement.EnumerateObject())
        {
            if (!LegacyTemplateKeys.Contains(property.Name))
                return (400, Error("illegal_argument_exception", $"unknown key [{property.Name}] in the template "));
        }
        return (200, """{"acknowledged":true}""");
    }

    private (int, string) PutComposableTemplate(string name, byte[] body)
    {
        using var template = JsonDocument.Parse(body);
        foreach (var property in template.RootElement.EnumerateObject())
        {
            if (!ComposableTemplateKeys.Contains(property.Name))
                return (400, Error("x_content_parse_exception", $"[1:2] [index_template] unknown field [{property.Name}]"));
        }
        string[] patterns = template.RootElement.GetProperty("index_patterns").EnumerateArray().Select(pattern => pattern.GetString()!).ToArray();
        long priority = template.RootElement.TryGetProperty("priority", out var value) ? value.GetInt64() : 0;
        lock (_lock)
        {
            var clashes = _composableTemplates
                .Where(other => other.Key != name && other.Value.Priority == priority
                                && other.Value.Patterns.Any(otherPattern => patterns.Any(pattern => Overlap(pattern, otherPattern))))
                .ToList();
            if (clashes.Count > 0)
            {
                string existing = string.Join(",", clashes.Select(clash => clash.Key));
                string existingPatterns = string.Join(",", clashes.Select(clash => $"{clash.Key} => [{string.Join(", ", clash.Value.Patterns)}]"));
                return (400, Error("illegal_argument_exception",
                    $"index template [{name}] has index patterns [{string.Join(", ", patterns)}] matching patterns from existing templates [{existing}] "
                    + $"with patterns ({existingPatterns}) that have the same priority [{priority}], multiple index templates may not match during index creation, "
                    + "please use a different priority"));
            }
            _composableTemplates[name] = (patterns, priority);
        }
        return (200, """{"acknowledged":true}""");
    }

    /// <summary>Whether two index patterns (a literal name or a prefix with one trailing '*') can match one index.</summary>
    private static bool Overlap(string first, string second)
    {
        string firstPrefix = first.TrimEnd('*');
        string secondPrefix = second.TrimEnd('*');
        return (first.EndsWith('*'), second.EndsWith('*')) switch
        {
            (true, true) => firstPrefix.StartsWith(secondPrefix, StringComparison.Ordinal) || secondPrefix.StartsWith(firstPrefix, StringComparison.Ordinal),
            (true, false) => second.StartsWith(firstPrefix, StringComparison.Ordinal),
            (false, true) => first.StartsWith(secondPrefix, StringComparison.Ordinal),
            (false, false) => first == second,
        };
    }

    private static string IndexingPressureRejection(int bytes)
    {
        string reason = $"rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, "
                        + $"coordinating_operation_bytes={bytes}, max_coordinating_and_primary_bytes=0]";
        return Error("es_rejected_execution_exception", reason, 429);
    }

    private static string Error(string type, string reason, int status = 400)
    {
        string cause = JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = type, ["reason"] = reason });
        return $$"""{"error":{"root_cause":[{{cause}}],"type":"{{type}}","reason":{{JsonSerializer.Serialize(reason)}}},"status":{{status}}}""";
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
            string id = actionProperty.Value.TryGetProperty("_id", out var givenId) ? givenId.GetString()! : $"generated{Interlocked.Increment(ref _generatedIds)}";
            int status = ItemStatus(document.RootElement);
            bool exists;
            lock (_lock)
            {
                exists = _stored.ContainsKey((index, id));
                if (status is >= 200 and < 300 && exists && actionProperty.Name == "create")
                    status = 409;
                else if (status is >= 200 and < 300)
                    _stored[(index, id)] = document.RootElement.Clone();
            }
            if (status is >= 200 and < 300)
            {
                Items.Enqueue((action.RootElement.Clone(), document.RootElement.Clone()));
                status = exists ? 200 : status;
                string result = exists ? "updated" : "created";
                results.Add($$$"""{"{{{actionProperty.Name}}}":{"_index":"{{{index}}}","_id":"{{{id}}}","_version":1,"result":"{{{result}}}","status":{{{status}}}}}""");
            }
            else
            {
                errors = true;
                string type = status switch
                {
                    409 => "version_conflict_engine_exception",
                    429 => "es_rejected_execution_exception",
                    >= 500 => "unavailable_shards_exception",
                    _ => "mapper_parsing_exception",
                };
                string error = $$$"""{"type":"{{{type}}}","reason":"failed to handle item {{{i / 2}}}","caused_by":{"type":"x","reason":"y"}}""";
                results.Add($$$"""{"{{{actionProperty.Name}}}":{"_index":"{{{index}}}","_id":"{{{id}}}","status":{{{status}}},"error":{{{error}}}}}""");
            }
        }
        return $$"""{"took":3,"errors":{{(errors ? "true" : "false")}},"items":[{{string.Join(',', results)}}]}""";
    }

    public sealed record ReceivedRequest(string Method, string PathAndQuery, string Authorization, string ContentEncoding, string? ContentType, byte[] Body)
    {
        public string Text => Encoding.UTF8.GetString(Body);
    }
}
