using System.Net;
using System.Text;
using Ogrt.Collector.Tests.Support;

namespace Ogrt.Collector.Tests;

/// <summary>The exporters of the collector's meter, against real listeners on loopback.</summary>
public class MetricsExportTests
{
    // The documented default host (*) once aborted the start; localhost once answered 404 to 127.0.0.1.
    [TestCase(null)]
    [TestCase("localhost")]
    public async Task Prometheus_serves_the_collector_counters_at_the_loopback_address(string? host)
    {
        int port = FreePort.Tcp();
        string[] hostSetting = host is null ? [] : [$"Metrics:Prometheus:Host={host}"];
        await using var collector = await InProcessCollector.StartAsync(
        [
            "Outputs:Mem:Type=Test", "Metrics:Prometheus:Enabled=true", $"Metrics:Prometheus:Port={port}", .. hostSetting,
        ], new TestOutputFactory());
        await collector.SendAsync([TestDatagrams.Encode(1), [1, 2, 3]]);
        using var http = new HttpClient();

        string text = "";
        await Poll.UntilAsync(() =>
        {
            text = http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
            return text.Contains("ogrt_collector_datagrams_malformed_total{", StringComparison.Ordinal);
        }, "the scrape shows the malformed counter");

        Assert.That(text, Does.Contain("ogrt_collector_datagrams_received_total"));
        Assert.That(text, Does.Match(@"ogrt_collector_datagrams_kernel_dropped_total(\{[^}]*\})? 0"), "the socket's own drops are exported");
        Assert.That(text, Does.Match(@"ogrt_collector_datagrams_malformed_total\{[^}]*reason=""too_short""[^}]*\} 1"));
    }

    [Test]
    public async Task OTLP_pushes_the_collector_metrics_to_the_configured_endpoint()
    {
        int port = FreePort.Tcp();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        Environment.SetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL", "200");
        try
        {
            await using var collector = await InProcessCollector.StartAsync(
            [
                "Outputs:Mem:Type=Test", "Metrics:Otlp:Enabled=true", "Metrics:Otlp:Protocol=HttpProtobuf",
                $"Metrics:Otlp:Endpoint=http://127.0.0.1:{port}/v1/metrics",
            ], new TestOutputFactory());
            await collector.SendAsync([TestDatagrams.Encode(1)]);

            // OTLP/HTTP: protobuf ExportMetricsServiceRequest bodies POSTed to /v1/metrics.
            using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
            while (true)
            {
                var context = await receiver.GetContextAsync().WaitAsync(timeout.Token);
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body, timeout.Token);
                context.Response.StatusCode = 200;
                context.Response.Close();
                Assert.That(context.Request.Url!.AbsolutePath, Is.EqualTo("/v1/metrics"));
                Assert.That(context.Request.ContentType, Is.EqualTo("application/x-protobuf"));
                string payload = Encoding.UTF8.GetString(body.ToArray());
                if (payload.Contains("ogrt.collector.datagrams.received", StringComparison.Ordinal))
                {
                    Assert.That(payload, Does.Contain("ogrt-collector"), "the service name is in the resource");
                    break;
                }
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL", null);
        }
    }
}
