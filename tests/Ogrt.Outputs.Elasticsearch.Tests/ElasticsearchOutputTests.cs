using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.TestSupport;

namespace Ogrt.Outputs.Elasticsearch.Tests;

public sealed class ElasticsearchOutputTests
{
    private readonly List<IAsyncDisposable> _disposables = [];
    private readonly List<IDisposable> _contexts = [];

    [TearDown]
    public async Task TearDown()
    {
        foreach (var disposable in _disposables)
            await disposable.DisposeAsync();
        foreach (var context in _contexts)
            context.Dispose();
        _disposables.Clear();
        _contexts.Clear();
    }

    [Test]
    public async Task IndexesEachRecordAsCanonicalJsonIntoTheDailyIndexOfItsReceiveTime()
    {
        var es = await StartFakeAsync();
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });
        // The start time comes from the sender: any time it claims must not create an index.
        var records = new List<ProcessRecord>
        {
            TestRecords.Create(1, time: 0),
            TestRecords.Create(2, time: 253_402_300_799),
            TestRecords.Create(3, receivedAt: TestRecords.ReceivedAt.AddDays(1)),
        };

        var result = await output.WriteAsync(records, CancellationToken.None);

        Assert.That(result.Retry, Is.Empty);
        var request = es.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.ContentType, Is.EqualTo("application/x-ndjson"));
            Assert.That(request.ContentEncoding, Is.Empty);
            Assert.That(es.Items.Select(item => item.Action.GetProperty("index").GetProperty("_index").GetString()),
                Is.EqualTo(new[] { "ogrt-2023.11.14", "ogrt-2023.11.14", "ogrt-2023.11.15" }));
            Assert.That(es.Documents().Select(document => document.GetRawText()),
                Is.EqualTo(records.Select(record => Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(record)))));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.sent"), Is.EqualTo(3));
            Assert.That(context.Metrics.Count("ogrt.collector.output.request.duration"), Is.EqualTo(1));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.request.records"), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task GzipBodiesArriveCompressedAndComplete()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["Gzip"] = "true" });

        await output.WriteAsync(TestRecords.Range(1, 50), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(es.Requests.Single().ContentEncoding, Is.EqualTo("gzip"));
            Assert.That(es.Documents().Select(document => document.GetProperty("pid").GetInt32()), Is.EqualTo(Enumerable.Range(1, 50)));
        });
    }

    [Test]
    public async Task SplitsABatchIntoRequestsByRecordCount()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["MaxBulkRecords"] = "3" });

        await output.WriteAsync(TestRecords.Range(1, 10), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(es.RequestCount, Is.EqualTo(4));
            Assert.That(es.Documents().Select(document => document.GetProperty("pid").GetInt32()), Is.EqualTo(Enumerable.Range(1, 10)));
        });
    }

    [Test]
    public async Task SplitsABatchIntoRequestsByBytes()
    {
        var es = await StartFakeAsync();
        const int MaxBytes = 65536;
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["MaxBulkBytes"] = MaxBytes.ToString() });

        await output.WriteAsync(TestRecords.Range(1, 300), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(es.RequestCount, Is.GreaterThanOrEqualTo(4));
            Assert.That(es.Requests.Select(request => request.Body.Length), Has.All.LessThanOrEqualTo(MaxBytes));
            Assert.That(es.Documents().Select(document => document.GetProperty("pid").GetInt32()), Is.EqualTo(Enumerable.Range(1, 300)));
        });
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task SortsPartialFailuresIntoRetryAndDeadLetters()
    {
        var es = await StartFakeAsync();
        // pid % 4: 0 → created, 1 → 429, 2 → 400 mapping error, 3 → 503.
        es.ItemStatus = document => (document.GetProperty("pid").GetInt32() % 4) switch { 1 => 429, 2 => 400, 3 => 503, _ => 201 };
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });

        // As an older version left it: readable by everyone, although records hold environments.
        string deadLetterFile = Path.Combine(context.StateDirectory, "dead-letters.jsonl");
        File.WriteAllText(deadLetterFile, "");
        File.SetUnixFileMode(deadLetterFile, PrivateFiles.FileMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = await output.WriteAsync(TestRecords.Range(1, 8), CancellationToken.None);

        var deadLetters = File.ReadAllLines(deadLetterFile).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.Retry.Select(record => record.Pid), Is.EqualTo(new[] { 1, 3, 5, 7 }));
            Assert.That(result.DeadLettered, Is.EqualTo(2));
            Assert.That(File.GetUnixFileMode(deadLetterFile), Is.EqualTo(PrivateFiles.FileMode));
            Assert.That(result.Rejected, Is.Zero);
            Assert.That(es.Documents().Select(document => document.GetProperty("pid").GetInt32()), Is.EqualTo(new[] { 4, 8 }));
            Assert.That(deadLetters.Select(letter => letter.GetProperty("record").GetProperty("pid").GetInt32()), Is.EqualTo(new[] { 2, 6 }));
            Assert.That(deadLetters.Select(letter => letter.GetProperty("status").GetInt32()), Has.All.EqualTo(400));
            Assert.That(deadLetters.Select(letter => letter.GetProperty("error_type").GetString()), Has.All.EqualTo("mapper_parsing_exception"));
            Assert.That(deadLetters[0].GetProperty("reason").GetString(), Does.Contain("failed to handle item"));
            Assert.That(deadLetters[0].GetProperty("record").GetProperty("binpath").GetString(), Is.EqualTo(TestRecords.Create(2).Binpath));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.sent"), Is.EqualTo(2));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.retried"), Is.EqualTo(4));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.dead_lettered"), Is.EqualTo(2));
        });

        // The pipeline retries what was handed back; once the cluster takes it, all is there.
        es.ItemStatus = _ => 201;
        var retried = await output.WriteAsync(result.Retry, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(retried.Retry, Is.Empty);
            Assert.That(es.Documents().Select(document => document.GetProperty("pid").GetInt32()).Order(), Is.EqualTo(new[] { 1, 3, 4, 5, 7, 8 }));
        });
    }

    [Test]
    public async Task RejectedRecordsThatCannotBeDeadLetteredAreReportedAsDropped()
    {
        var es = await StartFakeAsync();
        es.ItemStatus = _ => 400;
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });
        // A directory where the file belongs makes every append fail, whoever runs the test.
        Directory.CreateDirectory(Path.Combine(context.StateDirectory, "dead-letters.jsonl"));

        var result = await output.WriteAsync(TestRecords.Range(1, 2), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Rejected, Is.EqualTo(2));
            Assert.That(result.DeadLettered, Is.Zero);
            Assert.That(result.Retry, Is.Empty);
            Assert.That(context.Logger.Contains(LogLevel.Error, "they are dropped"), Is.True);
        });
    }

    [Test]
    public async Task AnUnreadableSuccessResponseRetriesTheWholeRequest()
    {
        var es = await StartFakeAsync();
        es.Intercept = async (http, _) =>
        {
            await http.Response.WriteAsync("<html>proxy says hello</html>");
            return true;
        };
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });

        var result = await output.WriteAsync(TestRecords.Range(1, 3), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Retry.Select(record => record.Pid), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(context.Logger.Contains(LogLevel.Error, "unreadable bulk response"), Is.True);
        });
    }

    [TestCase(429)]
    [TestCase(503)]
    public async Task ASingleRecordRequestRefusedWithATransientStatusThrowsSoThePipelineRetries(int status)
    {
        var es = await StartFakeAsync();
        es.Intercept = async (http, _) =>
        {
            http.Response.StatusCode = status;
            await http.Response.WriteAsync("""{"error":{"type":"es_rejected_execution_exception","reason":"rejected"},"status":429}""");
            return true;
        };
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });

        var error = Assert.ThrowsAsync<HttpRequestException>(() => output.WriteAsync(TestRecords.Range(1, 1), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo((HttpStatusCode)status));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", $"status_{status}"), Is.EqualTo(1));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.sent"), Is.Zero);
        });
    }

    [Test]
    public async Task ARequestTooLargeForTheIndexingPressureLimitIsSplitUntilItFits()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });
        // Room for about three records: a request of 40 is refused as a whole every time.
        es.IndexingPressureLimitBytes = 3 * BulkItemBytes();

        var result = await output.WriteAsync(TestRecords.Range(1, 40), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Retry, Is.Empty);
            Assert.That(es.Documents().Select(document => document.GetProperty("pid").GetInt32()), Is.EqualTo(Enumerable.Range(1, 40)));
            Assert.That(es.Requests.Where(request => request.Body.Length > es.IndexingPressureLimitBytes).Count(), Is.LessThanOrEqualTo(4), "halved, not shrunk one by one");
        });
    }

    [Test]
    public async Task ARecordTooLargeForTheClusterOnItsOwnIsDeadLetteredNotRetriedForever()
    {
        var es = await StartFakeAsync();
        es.Intercept = async (http, _) =>
        {
            // What http.max_content_length answers, whatever the split.
            http.Response.StatusCode = 413;
            await http.Response.WriteAsync("");
            return true;
        };
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });

        var result = await output.WriteAsync(TestRecords.Range(1, 3), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Retry, Is.Empty);
            Assert.That(result.DeadLettered, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task ABatchSentAgainAfterItWasIndexedReplacesItsDocumentsInsteadOfDuplicatingThem()
    {
        var es = await StartFakeAsync();
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });

        await output.WriteAsync(TestRecords.Range(1, 5), CancellationToken.None);
        // As the pipeline does when a response was lost: the same records again.
        var again = await output.WriteAsync(TestRecords.Range(1, 5), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(again.Retry, Is.Empty);
            Assert.That(es.StoredCount, Is.EqualTo(5));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.sent"), Is.EqualTo(10));
        });
    }

    [Test]
    public async Task ADataStreamCreateOfAnAlreadyIndexedRecordCountsAsDelivered()
    {
        var es = await StartFakeAsync();
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["DataStream"] = "logs-ogrt-default" });

        await output.WriteAsync(TestRecords.Range(1, 5), CancellationToken.None);
        var again = await output.WriteAsync(TestRecords.Range(1, 5), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(again.Retry, Is.Empty);
            Assert.That(again.DeadLettered, Is.Zero);
            Assert.That(es.StoredCount, Is.EqualTo(5));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.dead_lettered"), Is.Zero);
        });
    }

    [Test]
    public async Task DocumentIdsIdentifyAProcessStart()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });

        await output.WriteAsync([TestRecords.Create(1), TestRecords.Create(2), TestRecords.Create(1, time: 1_700_000_001), TestRecords.Create(1)], CancellationToken.None);

        var ids = es.Items.Select(item => item.Action.GetProperty("index").GetProperty("_id").GetString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(ids.Take(3), Is.Unique);
            Assert.That(ids[3], Is.EqualTo(ids[0]));
            Assert.That(ids, Has.All.Match("^[A-Za-z0-9_-]{22}$"));
        });
    }

    [Test]
    public async Task AnEndRecordIsItsOwnDocumentNamingItsStartsId()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });

        await output.WriteAsync([TestRecords.Create(1), TestRecords.CreateEnd(1), TestRecords.CreateEnd(2)], CancellationToken.None);

        var items = es.Items.ToList();
        string? Id(int i) => items[i].Action.GetProperty("index").GetProperty("_id").GetString();
        Assert.Multiple(() =>
        {
            Assert.That(new[] { Id(0), Id(1), Id(2) }, Is.Unique);
            Assert.That(items[1].Document.GetProperty("record").GetString(), Is.EqualTo("end"));
            Assert.That(items[1].Document.GetProperty("start_id").GetString(), Is.EqualTo(Id(0)), "the end names its start's document");
            Assert.That(items[2].Document.GetProperty("start_id").GetString(), Is.Not.EqualTo(Id(0)));
            Assert.That(items[1].Document.GetProperty("exit_code").GetInt32(), Is.EqualTo(3));
            Assert.That(items[0].Document.TryGetProperty("record", out _), Is.False, "start documents are unchanged");
        });
    }

    [Test]
    public async Task TheTemplateMapsEveryFieldOfBothRecordKindsAndTheDocsTableNamesThemAll()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["InstallTemplate"] = "true" });
        await output.StartAsync(CancellationToken.None);
        using var template = JsonDocument.Parse(es.Requests.Single().Body);
        var mapped = MappedNames(template.RootElement.GetProperty("template").GetProperty("mappings").GetProperty("properties"), "").ToHashSet();

        var schemaFields = Ogrt.Outputs.Abstractions.Schema.RecordSchema.All
            .SelectMany(schema => schema.Message.Fields)
            .SelectMany(field => field.Message is null ? [field.Name] : field.Message.Fields.Select(nested => $"{field.Name}.{nested.Name}"))
            .ToHashSet();
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "elasticsearch.md"));
        var documented = System.Text.RegularExpressions.Regex.Matches(docs, @"^\|([^|]*)\|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .SelectMany(row => System.Text.RegularExpressions.Regex.Matches(row.Groups[1].Value, "`([^`]+)`").Select(name => name.Groups[1].Value))
            .ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(schemaFields.Except(mapped), Is.Empty, "fields of ogrt.proto the template does not map");
            Assert.That(mapped.Except(documented), Is.Empty, "mapped fields the table in docs/elasticsearch.md does not name");
        });
    }

    private static IEnumerable<string> MappedNames(JsonElement properties, string prefix)
    {
        foreach (var property in properties.EnumerateObject())
        {
            if (property.Value.TryGetProperty("properties", out var nested))
            {
                foreach (string name in MappedNames(nested, prefix + property.Name + "."))
                    yield return name;
            }
            else
            {
                yield return prefix + property.Name;
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Ogrt.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("no Ogrt.sln above " + AppContext.BaseDirectory);
    }

    [Test]
    public async Task AFailingRequestAfterAnAcceptedOneHandsBackOnlyTheRest()
    {
        var es = await StartFakeAsync();
        es.Intercept = async (http, number) =>
        {
            if (number != 2)
                return false;
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("{}");
            return true;
        };
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["MaxBulkRecords"] = "2" });

        var result = await output.WriteAsync(TestRecords.Range(1, 6), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(es.Documents().Select(document => document.GetProperty("pid").GetInt32()), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(result.Retry.Select(record => record.Pid), Is.EqualTo(new[] { 3, 4, 5, 6 }));
        });
    }

    [Test]
    public async Task ANodeAnswering503IsFailedOverAndSitsOutItsCooldown()
    {
        var failing = await StartFakeAsync();
        failing.Intercept = async (http, _) =>
        {
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("""{"error":"no master"}""");
            return true;
        };
        var healthy = await StartFakeAsync();
        var (context, output) = Create(new()
        {
            ["Nodes:0"] = failing.Url.ToString(),
            ["Nodes:1"] = healthy.Url.ToString(),
            ["NodeCooldown"] = "01:00:00",
        });

        for (int i = 0; i < 4; i++)
            await output.WriteAsync(TestRecords.Range(i * 10, 10), CancellationToken.None);

        // Round-robin sends writes 0 and 2 to the failing node first; its second failure breaks
        // its circuit (Polly needs two samples), so writes 4 and 6 skip it.
        for (int i = 4; i < 8; i++)
            await output.WriteAsync(TestRecords.Range(i * 10, 10), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(failing.RequestCount, Is.EqualTo(2), "the failed node is skipped during its cooldown");
            Assert.That(healthy.Documents(), Has.Count.EqualTo(80));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "status_503"), Is.EqualTo(20));
        });
    }

    [Test]
    public async Task HealthyNodesShareTheRequestsRoundRobin()
    {
        var first = await StartFakeAsync();
        var second = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes"] = $"{first.Url},{second.Url}" });

        for (int i = 0; i < 6; i++)
            await output.WriteAsync(TestRecords.Range(i, 1), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.RequestCount, Is.EqualTo(3));
            Assert.That(second.RequestCount, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task AnUnreachableNodeIsSkippedForAReachableOne()
    {
        var healthy = await StartFakeAsync();
        var (context, output) = Create(new() { ["Nodes:0"] = ClosedPortUrl(), ["Nodes:1"] = healthy.Url.ToString() });

        for (int i = 0; i < 2; i++)
        {
            var result = await output.WriteAsync(TestRecords.Range(i * 3, 3), CancellationToken.None);
            Assert.That(result.Retry, Is.Empty);
        }

        Assert.Multiple(() =>
        {
            Assert.That(healthy.Documents(), Has.Count.EqualTo(6));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "connection"), Is.EqualTo(3), "tried once, then cooling down");
        });
    }

    [Test]
    public async Task AnUnreachableClusterThrowsAndCountsWithoutCrashing()
    {
        var (context, output) = Create(new() { ["Nodes:0"] = ClosedPortUrl() });

        Assert.ThrowsAsync<HttpRequestException>(() => output.WriteAsync(TestRecords.Range(1, 4), CancellationToken.None));
        Assert.ThrowsAsync<HttpRequestException>(() => output.WriteAsync(TestRecords.Range(1, 4), CancellationToken.None));

        Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "connection"), Is.EqualTo(8));
        await output.DisposeAsync();
    }

    [Test]
    public async Task ARequestThatStallsTimesOut()
    {
        var es = await StartFakeAsync();
        es.Intercept = async (http, _) =>
        {
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        };
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["RequestTimeout"] = "00:00:00.5" });

        Assert.ThrowsAsync<TimeoutException>(() => output.WriteAsync(TestRecords.Range(1, 2), CancellationToken.None));

        Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "timeout"), Is.EqualTo(2));
    }

    [Test]
    public async Task ShutdownCancellationIsNotMistakenForATimeout()
    {
        var es = await StartFakeAsync();
        es.Intercept = async (http, _) =>
        {
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        };
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString() });
        using var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        Assert.CatchAsync<OperationCanceledException>(() => output.WriteAsync(TestRecords.Range(1, 2), shutdown.Token));
    }

    [Test]
    public async Task WrongCredentialsAreReportedClearlyAndThrown()
    {
        var es = await StartFakeAsync();
        es.RequiredAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ogrt:right"));
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["Username"] = "ogrt", ["Password"] = "wrong" });

        var error = Assert.ThrowsAsync<HttpRequestException>(() => output.WriteAsync(TestRecords.Range(1, 3), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(error.Message, Does.Contain("security_exception"));
            Assert.That(context.Logger.Contains(LogLevel.Error, "refused the credentials"), Is.True);
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "auth"), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task WrongCredentialsAtStartAreARuntimeErrorNotAConfigurationError()
    {
        var es = await StartFakeAsync();
        es.RequiredAuthorization = "ApiKey right";
        var (context, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["ApiKey"] = "wrong", ["InstallTemplate"] = "true" });

        // The collector logs this and starts anyway; the template is retried before the first bulk.
        var error = Assert.ThrowsAsync<HttpRequestException>(() => output.StartAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "auth"), Is.Zero, "no records were involved");
            Assert.That(context.Logger.Contains(LogLevel.Error, "refused the credentials"), Is.True);
        });
    }

    [Test]
    public async Task SendsBasicCredentials()
    {
        var es = await StartFakeAsync();
        es.RequiredAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ogrt:s3cret:x"));
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["Username"] = "ogrt", ["Password"] = "s3cret:x" });

        var result = await output.WriteAsync(TestRecords.Range(1, 1), CancellationToken.None);

        Assert.That(result.Retry, Is.Empty);
        Assert.That(es.Documents(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task SendsTheApiKey()
    {
        var es = await StartFakeAsync();
        es.RequiredAuthorization = "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["ApiKey"] = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==" });

        await output.WriteAsync(TestRecords.Range(1, 1), CancellationToken.None);

        Assert.That(es.Documents(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ADataStreamGetsCreateActionsAndATimestamp()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["DataStream"] = "logs-ogrt-default" });

        await output.WriteAsync(TestRecords.Range(1, 2), CancellationToken.None);

        var (action, document) = es.Items.First();
        Assert.Multiple(() =>
        {
            Assert.That(action.GetProperty("create").GetProperty("_index").GetString(), Is.EqualTo("logs-ogrt-default"));
            Assert.That(document.GetProperty("@timestamp").GetString(), Is.EqualTo("2023-11-14T22:13:20.123456Z"));
            Assert.That(document.GetProperty("binpath").GetString(), Is.EqualTo(TestRecords.Create(1).Binpath));
            Assert.That(document.GetProperty("received_at").GetString(), Is.EqualTo("2023-11-14T22:13:21Z"));
        });
    }

    [Test]
    public async Task InstallsAComposableTemplateWithExplicitMappingsOnStart()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["InstallTemplate"] = "true", ["Index"] = "hpc-ogrt-{yyyy.MM}" });

        await output.StartAsync(CancellationToken.None);

        var request = es.Requests.Single();
        using var template = JsonDocument.Parse(request.Body);
        var properties = template.RootElement.GetProperty("template").GetProperty("mappings").GetProperty("properties");
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("PUT"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/_index_template/ogrt"));
            Assert.That(template.RootElement.GetProperty("index_patterns")[0].GetString(), Is.EqualTo("hpc-ogrt-*"));
            Assert.That(template.RootElement.TryGetProperty("data_stream", out _), Is.False);
            Assert.That(properties.GetProperty("binpath").GetProperty("type").GetString(), Is.EqualTo("keyword"));
            // Seconds as upstream sends them, and ISO 8601 in queries and aggregation keys.
            Assert.That(properties.GetProperty("time").GetProperty("format").GetString(), Is.EqualTo("strict_date_optional_time||epoch_second"));
            Assert.That(properties.GetProperty("shared_objects").GetProperty("properties").GetProperty("path").GetProperty("type").GetString(), Is.EqualTo("keyword"));
            Assert.That(properties.GetProperty("environment_variables").GetProperty("type").GetString(), Is.EqualTo("keyword"));
        });
    }

    [Test]
    public async Task ADataStreamTemplateDeclaresTheStreamAndTimestamp()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["InstallTemplate"] = "true", ["DataStream"] = "logs-ogrt-default" });

        await output.StartAsync(CancellationToken.None);

        using var template = JsonDocument.Parse(es.Requests.Single().Body);
        Assert.Multiple(() =>
        {
            Assert.That(template.RootElement.GetProperty("index_patterns")[0].GetString(), Is.EqualTo("logs-ogrt-default"));
            Assert.That(template.RootElement.GetProperty("data_stream").ValueKind, Is.EqualTo(JsonValueKind.Object));
            Assert.That(template.RootElement.GetProperty("template").GetProperty("mappings").GetProperty("properties")
                .GetProperty("@timestamp").GetProperty("type").GetString(), Is.EqualTo("date_nanos"), "microseconds are kept");
        });
    }

    [Test]
    public async Task TheLegacyTemplateApiIsUsedForOldClusters()
    {
        var es = await StartFakeAsync();
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["InstallTemplate"] = "true", ["TemplateApi"] = "Legacy", ["TemplateName"] = "ogrt-v1" });

        await output.StartAsync(CancellationToken.None);

        var request = es.Requests.Single();
        using var template = JsonDocument.Parse(request.Body);
        Assert.Multiple(() =>
        {
            // The fake refuses a top-level _meta on this API, as Elasticsearch 6-7 and OpenSearch do.
            Assert.That(request.PathAndQuery, Is.EqualTo("/_template/ogrt-v1"));
            Assert.That(template.RootElement.GetProperty("mappings").GetProperty("_meta").GetProperty("managed_by").GetString(), Is.EqualTo("ogrt-collector"));
            Assert.That(template.RootElement.GetProperty("mappings").GetProperty("properties").GetProperty("pid").GetProperty("type").GetString(), Is.EqualTo("long"));
        });
    }

    [Test]
    public async Task ATemplateWhosePriorityClashesWithAnotherStopsTheStartNamingTemplatePriority()
    {
        var es = await StartFakeAsync();
        // Left by an earlier TemplateName, or by another output with an overlapping prefix.
        es.AddComposableTemplate("ogrt", ["ogrt-*"], 200);
        var (_, clashing) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["InstallTemplate"] = "true", ["TemplateName"] = "ogrt-v2" });

        var error = Assert.ThrowsAsync<OutputConfigurationException>(() => clashing.StartAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Key, Is.EqualTo("Outputs:Test:TemplatePriority"));
            Assert.That(error.Message, Does.Contain("same priority [200]"));
        });

        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["InstallTemplate"] = "true", ["TemplateName"] = "ogrt-v2", ["TemplatePriority"] = "201" });
        await output.StartAsync(CancellationToken.None);
        using var template = JsonDocument.Parse(es.Requests.Last().Body);
        Assert.That(template.RootElement.GetProperty("priority").GetInt32(), Is.EqualTo(201));
    }

    [Test]
    public async Task ATemplateThatFailedAtStartIsInstalledBeforeTheFirstBulk()
    {
        var es = await StartFakeAsync();
        es.Intercept = async (http, number) =>
        {
            if (number != 1)
                return false;
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("{}");
            return true;
        };
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["InstallTemplate"] = "true" });

        Assert.ThrowsAsync<HttpRequestException>(() => output.StartAsync(CancellationToken.None));
        await output.WriteAsync(TestRecords.Range(1, 2), CancellationToken.None);

        Assert.That(es.Requests.Select(request => request.Method), Is.EqualTo(new[] { "PUT", "PUT", "POST" }));
        Assert.That(es.Documents(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task TlsIsVerifiedAgainstTheConfiguredCertificateAuthority()
    {
        using var directory = new TemporaryDirectory();
        using var certificates = new TestCertificates(directory.Path);
        var es = await StartFakeAsync(certificates.Server);

        var (_, trusting) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["CaFile"] = certificates.AuthorityPemPath });
        await trusting.WriteAsync(TestRecords.Range(1, 1), CancellationToken.None);
        Assert.That(es.Documents(), Has.Count.EqualTo(1));

        var (_, systemTrust) = Create(new() { ["Nodes:0"] = es.Url.ToString() });
        Assert.ThrowsAsync<HttpRequestException>(() => systemTrust.WriteAsync(TestRecords.Range(2, 1), CancellationToken.None));

        var (_, insecure) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["InsecureSkipVerify"] = "true" });
        await insecure.WriteAsync(TestRecords.Range(3, 1), CancellationToken.None);
        Assert.That(es.Documents(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task ACertificateFromAnotherAuthorityIsRefused()
    {
        using var directory = new TemporaryDirectory();
        using var serverCertificates = new TestCertificates(directory.Path);
        using var otherDirectory = new TemporaryDirectory();
        using var otherAuthority = new TestCertificates(otherDirectory.Path);
        var es = await StartFakeAsync(serverCertificates.Server);
        var (_, output) = Create(new() { ["Nodes:0"] = es.Url.ToString(), ["CaFile"] = otherAuthority.AuthorityPemPath });

        Assert.ThrowsAsync<HttpRequestException>(() => output.WriteAsync(TestRecords.Range(1, 1), CancellationToken.None));
        Assert.That(es.Documents(), Is.Empty);
    }

    private async Task<FakeElasticsearch> StartFakeAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var fake = await FakeElasticsearch.StartAsync(certificate);
        _disposables.Add(fake);
        return fake;
    }

    private (TestOutputContext Context, IOutput Output) Create(Dictionary<string, string?> settings)
    {
        var context = new TestOutputContext("Elasticsearch", settings);
        _contexts.Add(context);
        var output = context.CreateOutput(new ElasticsearchOutputFactory());
        _disposables.Insert(0, output);
        return (context, output);
    }

    /// <summary>The bytes one test record takes in a bulk body (action line and document).</summary>
    private static int BulkItemBytes() => ProcessRecordJson.ToUtf8Bytes(TestRecords.Create(1)).Length + 100;

    /// <summary>A loopback URL where nothing listens: the port was just released.</summary>
    internal static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/";
    }
}
