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
        await SendAsync(http, endPoint, Records);
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
    public async Task A_setting_a_plugin_refuses_as_the_host_starts_exits_with_78_without_a_stack_trace()
    {
        using var directory = new TempDirectory();
        string configFile = directory.Combine("appsettings.json");
        await File.WriteAllTextAsync(configFile, $$"""{ "Collector": { "Port": 0, "StateDirectory": "{{directory.Combine("state")}}" } }""");

        using var collector = CollectorProcess.Start("--config", configFile, $"--Outputs:File:Path={directory.Combine("records")}", "--Outputs:File:Rotaton=Daily");
        int exitCode = await collector.WaitForExitAsync();

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(78));
            Assert.That(collector.StandardError, Does.Contain("Outputs:File:Rotaton"));
            Assert.That(collector.StandardError + collector.StandardOutput, Does.Not.Contain(" at Ogrt.").And.Not.Contain(" at Microsoft."));
        });
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
            Assert.That(collector.StandardError, Does.Contain("Outputs:File:Workers: must be between 1 and 64 (got 0)"));
            Assert.That(collector.StandardError, Does.Contain("Collector:ShutdownTimeout: 'soon' is not a duration"));
            Assert.That(collector.StandardError + collector.StandardOutput, Does.Not.Contain(" at Ogrt."));
        });
    }

    [Test]
    public async Task Records_spooled_while_the_File_output_fails_all_arrive_after_a_restart()
    {
        const int Records = 300;
        using var directory = new TempDirectory();
        string records = directory.Combine("records");
        string configFile = directory.Combine("appsettings.json");
        // Size rotation with a 1-byte cap: every batch after the first needs a new file, which
        // fails (even for root) once the directory is replaced by a plain file.
        await File.WriteAllTextAsync(configFile, $$"""
            {
              "Collector": { "Address": "127.0.0.1", "Port": 0, "StateDirectory": "{{directory.Combine("state")}}", "ShutdownTimeout": "00:00:02",
                             "PluginsDirectory": "{{Path.Combine(AppContext.BaseDirectory, "plugins")}}" },
              "Outputs": { "File": { "Path": "{{records}}", "Rotation": "Size", "MaxFileBytes": 1, "Workers": 1, "QueueCapacity": 20,
                                     "BatchSize": 10, "BatchInterval": "00:00:00.050", "RetryInitialDelay": "00:00:00.050",
                                     "RetryMaxDelay": "00:00:00.200", "Spool": { "Enabled": true } } },
              "Metrics": { "Prometheus": { "Enabled": true, "Host": "localhost" } }
            }
            """);

        int firstMetricsPort = FreePort.Tcp();
        using (var first = CollectorProcess.Start("--config", configFile, $"--Metrics:Prometheus:Port={firstMetricsPort}"))
        {
            var endPoint = await first.WaitUntilListeningAsync();
            await Poll.UntilAsync(() => Directory.Exists(records) && Directory.GetFiles(records, "*.jsonl").Length > 0, "the File output opened its file");
            // The open file moves along with its directory; every new file then fails.
            Directory.Move(records, records + ".away");
            await File.WriteAllTextAsync(records, "");
            using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{firstMetricsPort}/") };
            await SendAsync(http, endPoint, Records);
            await PollMetricAsync(http, "ogrt_collector_output_queued", value => value >= Records);
            await PollMetricAsync(http, "ogrt_collector_output_write_failures", value => value >= 1);

            Assert.That(await first.TerminateAsync(), Is.Zero, first.StandardOutput + first.StandardError);
            Assert.That(first.StandardOutput, Does.Contain("Kept").And.Contain("undelivered records in the spool"));
        }
        File.Delete(records);
        Directory.Move(records + ".away", records);

        int secondMetricsPort = FreePort.Tcp();
        using (var second = CollectorProcess.Start("--config", configFile, $"--Metrics:Prometheus:Port={secondMetricsPort}"))
        {
            await second.WaitUntilListeningAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{secondMetricsPort}/") };
            await PollMetricAsync(http, "ogrt_collector_output_spool_replayed", value => value >= 1);
            await Poll.UntilAsync(() => Directory.GetFiles(records, "*.jsonl").Sum(file => File.ReadAllText(file).Count(c => c == '\n')) >= Records,
                "every record is in the files");
            Assert.That(await second.TerminateAsync(), Is.Zero, second.StandardOutput + second.StandardError);
        }

        var pids = Directory.GetFiles(records, "*.jsonl").SelectMany(File.ReadAllLines)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("pid").GetInt32());
        Assert.That(pids.Order(), Is.EqualTo(Enumerable.Range(1, Records)), "every record exactly once");
    }

    /// <summary>Sends datagrams for pids 1…<paramref name="records"/>, letting the collector keep up so the kernel never drops one the test would miss.</summary>
    private static async Task SendAsync(HttpClient http, IPEndPoint endPoint, int records)
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        for (int pid = 1; pid <= records; pid++)
        {
            await client.SendAsync(TestDatagrams.Encode(pid), endPoint);
            if (pid % 50 == 0 || pid == records)
            {
                int sent = pid;
                await PollMetricAsync(http, "ogrt_collector_datagrams_received", value => value >= sent);
            }
        }
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
