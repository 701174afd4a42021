using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Sdk.Configuration;
using Ogrt.Outputs.Sdk.Http;
using Ogrt.Outputs.Sdk.Metrics;
using Ogrt.Outputs.Sdk.Tls;
using Ogrt.Outputs.TestSupport;

namespace Ogrt.Outputs.Sdk.Tests;

/// <summary>Failover, per-node circuit breaking and timeouts against real loopback servers, on fake time.</summary>
public sealed class HttpBatchSenderTests
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly List<IAsyncDisposable> _servers = [];
    private Meter _meter = null!;
    private MetricRecorder _metrics = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _meter = new Meter($"ogrt.test.{Guid.NewGuid():N}");
        _metrics = new MetricRecorder(_meter);
        _time = new FakeTimeProvider();
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var server in _servers)
            await server.DisposeAsync();
        _metrics.Dispose();
        _meter.Dispose();
    }

    [Test]
    public async Task ANodeThatKeepsFailingSitsOutItsBreakDurationThenIsTriedAgain()
    {
        bool failing = true;
        int failingRequests = 0;
        var flaky = await ServeAsync(async http =>
        {
            Interlocked.Increment(ref failingRequests);
            http.Response.StatusCode = failing ? 503 : 200;
            await http.Response.WriteAsync(failing ? "busy" : "flaky-ok");
        });
        var healthy = await ServeAsync(http => http.Response.WriteAsync("ok"));
        using var sender = Sender([flaky, healthy], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));

        var replies = new List<HttpReply>();
        for (int i = 0; i < 8; i++)
            replies.Add(await SendAsync(sender, records: 5));

        Assert.Multiple(() =>
        {
            Assert.That(replies.Select(reply => reply.Node), Has.All.EqualTo(healthy), "every request was failed over");
            Assert.That(failingRequests, Is.EqualTo(2), "two failures break the circuit; the node is skipped after that");
            Assert.That(_metrics.Sum("ogrt.collector.output.records.failed", "status_503"), Is.EqualTo(10));
        });

        failing = false;
        _time.Advance(TimeSpan.FromSeconds(29));
        await SendAsync(sender, records: 5);
        await SendAsync(sender, records: 5);
        Assert.That(failingRequests, Is.EqualTo(2), "still sitting out before the break duration is over");

        _time.Advance(TimeSpan.FromSeconds(1));
        var probes = new[] { await SendAsync(sender, records: 5), await SendAsync(sender, records: 5) };
        Assert.Multiple(() =>
        {
            Assert.That(failingRequests, Is.EqualTo(3), "after the break duration the node gets a request again");
            Assert.That(probes.Select(reply => reply.Node), Has.Member(flaky));
        });
    }

    [Test]
    public async Task WhenEveryNodeSitsOutTheRequestFailsAtOnceAsCircuitOpen()
    {
        int requests = 0;
        var down = await ServeAsync(http =>
        {
            Interlocked.Increment(ref requests);
            http.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        using var sender = Sender([down], TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));

        for (int i = 0; i < 2; i++)
            Assert.ThrowsAsync<HttpRequestException>(() => SendAsync(sender, records: 4));
        var error = Assert.ThrowsAsync<HttpRequestException>(() => SendAsync(sender, records: 4));

        Assert.Multiple(() =>
        {
            Assert.That(requests, Is.EqualTo(2));
            Assert.That(error!.InnerException, Is.InstanceOf<Polly.CircuitBreaker.BrokenCircuitException>());
            Assert.That(_metrics.Sum("ogrt.collector.output.records.failed", "status_500"), Is.EqualTo(8));
            Assert.That(_metrics.Sum("ogrt.collector.output.records.failed", "circuit_open"), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task AnAttemptThatStallsTimesOutWhenItsTimeIsUpAndNotBefore()
    {
        var (stalling, arrived) = await StallingServerAsync();
        using var sender = Sender([stalling], TimeSpan.FromSeconds(5), TimeSpan.Zero);

        var send = SendAsync(sender, records: 3);
        await arrived;
        _time.Advance(TimeSpan.FromSeconds(4));
        await Task.Yield();
        Assert.That(send.IsCompleted, Is.False, "one second is left");

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.ThrowsAsync<TimeoutException>(() => send);
        Assert.That(_metrics.Sum("ogrt.collector.output.records.failed", "timeout"), Is.EqualTo(3));
    }

    [Test]
    public async Task ShutdownIsNotMistakenForATimeout()
    {
        var (stalling, arrived) = await StallingServerAsync();
        using var sender = Sender([stalling], TimeSpan.FromSeconds(5), TimeSpan.Zero);
        using var shutdown = new CancellationTokenSource();

        var send = SendAsync(sender, records: 3, shutdown.Token);
        await arrived;
        await shutdown.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(() => send);
        Assert.That(_metrics.Sum("ogrt.collector.output.records.failed", "timeout"), Is.Zero);
    }

    private static Task<HttpReply> SendAsync(HttpBatchSender sender, int records, CancellationToken cancellationToken = default) =>
        sender.SendAsync(HttpMethod.Post, "_bulk", "{}"u8.ToArray(), Json, gzip: false, records, cancellationToken);

    /// <summary>A server that never answers; the task completes when a request has arrived.</summary>
    private async Task<(Uri Url, Task Arrived)> StallingServerAsync()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var url = await ServeAsync(async http =>
        {
            arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        return (url, arrived.Task);
    }

    private async Task<Uri> ServeAsync(RequestDelegate handle)
    {
        var server = await LoopbackHttpServer.StartAsync(handle);
        _servers.Add(server);
        return server.Url;
    }

    private HttpBatchSender Sender(IReadOnlyList<Uri> nodes, TimeSpan attemptTimeout, TimeSpan breakDuration)
    {
        var context = new OutputContext
        {
            Name = "Test",
            Configuration = new ConfigurationBuilder().Build().GetSection("Outputs:Test"),
            Logger = NullLogger.Instance,
            Meter = _meter,
            MetricTags = new TagList { { "output", "Test" }, { "type", "Test" } },
            StateDirectory = Path.GetTempPath(),
            ContentRoot = Path.GetTempPath(),
            TimeProvider = _time,
        };
        var tls = ServerCertificateCheck.Create(new TlsOptions(), "Outputs:Test", context, new ConfigurationErrors());
        return new HttpBatchSender(new HttpSenderOptions(nodes, attemptTimeout, breakDuration), tls, context, new OutputMetrics(_meter, context.MetricTags));
    }
}
