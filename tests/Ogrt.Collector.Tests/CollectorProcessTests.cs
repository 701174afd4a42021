using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ogrt.Collector.Tests.Support;

namespace Ogrt.Collector.Tests;

/// <summary>The built collector as an operator runs it: its own process, the shipped appsettings.json, SIGTERM.</summary>
public class CollectorProcessTests
{
    [Test]
    public async Task Every_record_received_before_SIGTERM_is_in_the_file_and_the_exit_code_is_zero()
    {
        const int Records = 300;
        using var directory = new TempDirectory();
        string records = directory.Combine("records");
        int metricsPort = FreePort.Tcp();
        string configFile = directory.Combine("appsettings.json");
        await File.WriteAllTextAsync(configFile, $$"""
            {
              "Collector": { "Address": "127.0.0.1", "Port": 0, "StateDirectory": "{{directory.Combine("state")}}",
                             "PluginsDirectory": "{{Path.Combine(AppContext.BaseDirectory, "plugins")}}" },
              "Outputs": { "File": { "Path": "{{records}}", "Rotation": "None", "BatchInterval": "00:10:00", "BatchSize": 100000 } },
              "Metrics": { "Prometheus": { "Enabled": true, "Host": "localhost", "Port": {{metricsPort}} } }
            }
            """);
        using var collector = CollectorProcess.Start("--config", configFile);
        var endPoint = await collector.WaitUntilListeningAsync();

        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{metricsPort}/") };
        using var client = new UdpClient(AddressFamily.InterNetwork);
        for (int pid = 1; pid <= Records; pid++)
        {
            await client.SendAsync(TestDatagrams.Encode(pid), endPoint);
            // Let the collector keep up so the kernel never drops a datagram the test would miss.
            if (pid % 50 == 0 || pid == Records)
            {
                int sent = pid;
                await PollMetricAsync(http, "ogrt_collector_datagrams_received", value => value >= sent);
            }
        }
        // Queued but not yet written (BatchInterval is 10 minutes): SIGTERM must flush them.
        await PollMetricAsync(http, "ogrt_collector_output_queued", value => value >= Records);

        int exitCode = await collector.TerminateAsync();

        Assert.That(exitCode, Is.Zero, collector.StandardOutput + collector.StandardError);
        var lines = Directory.GetFiles(records, "*.jsonl").SelectMany(File.ReadAllLines).ToList();
        Assert.That(lines, Has.Count.EqualTo(Records));
        var pids = lines.Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("pid").GetInt32());
        Assert.That(pids.Order(), Is.EqualTo(Enumerable.Range(1, Records)));
    }

    [Test]
    public async Task A_configuration_error_exits_with_78_and_a_message_naming_the_key_without_a_stack_trace()
    {
        using var directory = new TempDirectory();
        string configFile = directory.Combine("appsettings.json");
        await File.WriteAllTextAsync(configFile, """{ "Outputs": { "File": { "Workers": 0 } }, "Collector": { "Port": 0 } }""");

        using var collector = CollectorProcess.Start("--config", configFile, "--Collector:ShutdownTimeout=soon");
        int exitCode = await collector.WaitForExitAsync();

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(78));
            Assert.That(collector.StandardError, Does.Contain("Outputs:File:Workers must be between 1 and 64"));
            Assert.That(collector.StandardError, Does.Contain("Collector:ShutdownTimeout must be a duration"));
            Assert.That(collector.StandardError + collector.StandardOutput, Does.Not.Contain(" at Ogrt."));
        });
    }

    private static async Task PollMetricAsync(HttpClient http, string name, Func<double, bool> condition)
    {
        double value = 0;
        await Poll.UntilAsync(() =>
        {
            value = ScrapeAsync(http, name).GetAwaiter().GetResult();
            return condition(value);
        }, $"{name} reaches the expected value (last {value})");
    }

    /// <summary>Sums every sample of a metric in the Prometheus text exposition.</summary>
    private static async Task<double> ScrapeAsync(HttpClient http, string name)
    {
        string text;
        try
        {
            text = await http.GetStringAsync("metrics");
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        return text.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && !line.StartsWith('#'))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .Sum();
    }
}
