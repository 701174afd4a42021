using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Ogrt.Outputs.Abstractions;
using Ogrt.Protocol;
using Ogrt.Outputs.TestSupport;

namespace Ogrt.Outputs.Splunk.Tests;

public sealed class SplunkHecOutputTests
{
    private FakeHec _hec = null!;
    private readonly List<TestOutputContext> _contexts = [];
    private readonly List<IOutput> _outputs = [];

    [SetUp]
    public async Task SetUp() => _hec = await FakeHec.StartAsync();

    [TearDown]
    public async Task TearDown()
    {
        foreach (var output in _outputs)
            await output.DisposeAsync();
        await _hec.DisposeAsync();
        foreach (var context in _contexts)
            context.Dispose();
        _outputs.Clear();
        _contexts.Clear();
    }

    [Test]
    public async Task EventsCarryTimeHostSourceSourcetypeIndexAndTheRecord()
    {
        var (context, output) = Create(new() { ["Index"] = "hpc", ["Source"] = "ogrt:collector" });
        var records = TestRecords.Range(1, 3);

        var result = await output.WriteAsync(records, CancellationToken.None);

        var events = _hec.Events.ToList();
        var request = _hec.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(result.Retry, Is.Empty);
            Assert.That(request.Path, Is.EqualTo("/services/collector/event"));
            Assert.That(Guid.TryParse(request.Channel, out _), Is.True, "a request channel is sent");
            Assert.That(events, Has.Count.EqualTo(3));
            Assert.That(events[0].GetProperty("time").GetRawText(), Is.EqualTo("1700000000.123456"));
            Assert.That(events[0].GetProperty("host").GetString(), Is.EqualTo("node0421"));
            Assert.That(events[0].GetProperty("source").GetString(), Is.EqualTo("ogrt:collector"));
            Assert.That(events[0].GetProperty("sourcetype").GetString(), Is.EqualTo("ogrt"));
            Assert.That(events[0].GetProperty("index").GetString(), Is.EqualTo("hpc"));
            Assert.That(events.Select(envelope => envelope.GetProperty("event").GetRawText()),
                Is.EqualTo(records.Select(record => Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(record)))));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.sent"), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task WithoutMicrosecondsTheTimeIsTheRecordsSeconds()
    {
        var (_, output) = Create([]);
        var record = TestRecords.Read(new ProcessInfo { Binpath = "/bin/true", Pid = 1, ParentPid = 0, Time = 1_700_000_001 }, TestRecords.ReceivedAt, null);

        await output.WriteAsync([record], CancellationToken.None);

        var envelope = _hec.Events.Single();
        Assert.Multiple(() =>
        {
            Assert.That(envelope.GetProperty("time").GetRawText(), Is.EqualTo("1700000001"));
            Assert.That(envelope.TryGetProperty("host", out _), Is.False);
            Assert.That(envelope.TryGetProperty("index", out _), Is.False);
        });
    }

    [Test]
    public async Task GzipAndRequestSizeLimitSplitAndCompress()
    {
        var (_, output) = Create(new() { ["Gzip"] = "true", ["MaxRequestBytes"] = "16384" });

        await output.WriteAsync(TestRecords.Range(1, 100), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(_hec.Requests, Has.Count.GreaterThan(4));
            Assert.That(_hec.Requests.Select(request => request.ContentEncoding), Has.All.EqualTo("gzip"));
            Assert.That(_hec.Events.Select(envelope => envelope.GetProperty("event").GetProperty("pid").GetInt32()), Is.EqualTo(Enumerable.Range(1, 100)));
        });
    }

    [Test]
    public async Task ABusyServerMakesTheBatchFailForRetry()
    {
        _hec.Intercept = async http =>
        {
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("""{"text":"Server is busy","code":9}""");
            return true;
        };
        var (context, output) = Create([]);

        var error = Assert.ThrowsAsync<HttpRequestException>(() => output.WriteAsync(TestRecords.Range(1, 4), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(error.Message, Does.Contain("Server is busy"));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "status_503"), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task AnInvalidTokenIsReportedClearly()
    {
        var (context, output) = Create(new() { ["Token"] = "wrong-token" });

        var error = Assert.ThrowsAsync<HttpRequestException>(() => output.WriteAsync(TestRecords.Range(1, 2), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(context.Logger.Contains(LogLevel.Error, "refused the credentials"), Is.True);
            Assert.That(context.Logger.Contains(LogLevel.Error, "Invalid token"), Is.True);
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "auth"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task AnInvalidEventIsDeadLetteredAndTheEventsAfterItRetried()
    {
        _hec.InvalidEvent = 2;
        var (context, output) = Create([]);

        var result = await output.WriteAsync(TestRecords.Range(1, 5), CancellationToken.None);

        var deadLetters = File.ReadAllLines(Path.Combine(context.StateDirectory, "dead-letters.jsonl"));
        Assert.Multiple(() =>
        {
            Assert.That(_hec.Events.Select(envelope => envelope.GetProperty("event").GetProperty("pid").GetInt32()), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(result.DeadLettered, Is.EqualTo(1));
            Assert.That(result.Retry.Select(record => record.Pid), Is.EqualTo(new[] { 4, 5 }));
            Assert.That(deadLetters, Has.Length.EqualTo(1));
            Assert.That(JsonDocument.Parse(deadLetters[0]).RootElement.GetProperty("record").GetProperty("pid").GetInt32(), Is.EqualTo(3));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.dead_lettered"), Is.EqualTo(1));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.retried"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task WithAcknowledgementABatchCompletesOnceIndexed()
    {
        _hec.AckEnabled = true;
        _hec.PollsUntilAcked = 2;
        var (_, output) = Create(new() { ["UseAck"] = "true", ["AckPollInterval"] = "00:00:00.05" });

        var result = await output.WriteAsync(TestRecords.Range(1, 3), CancellationToken.None);

        var channels = _hec.Requests.Select(request => request.Channel).Distinct().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.Retry, Is.Empty);
            Assert.That(_hec.AckPolls, Is.EqualTo(3));
            Assert.That(channels, Has.Count.EqualTo(1), "events and ack polls use one channel");
            Assert.That(_hec.Requests.Last().Path, Is.EqualTo($"/services/collector/ack?channel={channels[0]}"));
        });
    }

    [Test]
    public async Task AnAcknowledgementThatNeverComesFailsTheBatch()
    {
        _hec.AckEnabled = true;
        _hec.PollsUntilAcked = -1;
        var (context, output) = Create(new() { ["UseAck"] = "true", ["AckPollInterval"] = "00:00:00.02", ["AckTimeout"] = "00:00:00.3" });

        Assert.ThrowsAsync<TimeoutException>(() => output.WriteAsync(TestRecords.Range(1, 3), CancellationToken.None));

        Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "ack_timeout"), Is.EqualTo(3));
    }

    [Test]
    public async Task AcknowledgementDisabledOnTheTokenIsReported()
    {
        var (context, output) = Create(new() { ["UseAck"] = "true", ["AckPollInterval"] = "00:00:00.02" });

        Assert.ThrowsAsync<InvalidOperationException>(() => output.WriteAsync(TestRecords.Range(1, 1), CancellationToken.None));

        Assert.That(context.Logger.Contains(LogLevel.Error, "returned no ackId"), Is.True);
    }

    [Test]
    public async Task AnUnreachableCollectorThrowsAndCounts()
    {
        using var closed = new TemporaryDirectory();
        int port = SocatReceiver.FreePort();
        var (context, output) = Create(new() { ["Url"] = $"http://127.0.0.1:{port}" });

        Assert.ThrowsAsync<HttpRequestException>(() => output.WriteAsync(TestRecords.Range(1, 2), CancellationToken.None));

        Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "connection"), Is.EqualTo(2));
    }

    private (TestOutputContext Context, IOutput Output) Create(Dictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mode"] = "Hec",
            ["Url"] = _hec.Url.ToString(),
            ["Token"] = _hec.Token,
        };
        foreach (var (key, value) in overrides)
            settings[key] = value;
        var context = new TestOutputContext("Splunk", settings);
        _contexts.Add(context);
        var output = context.CreateOutput(new SplunkOutputFactory());
        _outputs.Add(output);
        return (context, output);
    }
}
