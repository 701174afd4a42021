using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Hosting;
using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests;

/// <summary>Every bad setting stops the start with a message naming its key.</summary>
public class ConfigurationTests
{
    private const string LocalOutput = "Outputs:Local:Type=Test";

    [TestCase("Outputs:Local:Workers=0", "Outputs:Local:Workers: must be between 1 and 64 (got 0)")]
    [TestCase("Outputs:Local:Workers=many", "Outputs:Local:Workers: 'many' is not a whole number")]
    [TestCase("Outputs:Local:QueueCapacity=0", "Outputs:Local:QueueCapacity: must be between 1 and")]
    [TestCase("Outputs:Local:QueueBytes=1000", "Outputs:Local:QueueBytes: must be between 1048576 and")]
    [TestCase("Outputs:Local:BatchSize=-1", "Outputs:Local:BatchSize: must be between 1 and")]
    [TestCase("Outputs:Local:BatchInterval=5", "Outputs:Local:BatchInterval: '5' is not a duration like 00:00:30")]
    [TestCase("Outputs:Local:RetryInitialDelay=soon", "Outputs:Local:RetryInitialDelay: 'soon' is not a duration")]
    [TestCase("Outputs:Local:OverflowPolicy=DropRandom", "Outputs:Local:OverflowPolicy: 'DropRandom' is not one of DropNewest, DropOldest, Block")]
    [TestCase("Outputs:Local:Spool:Enabled=maybe", "Outputs:Local:Spool:Enabled: 'maybe' is not true or false")]
    [TestCase("Outputs:Local:Spool:MaxBytes=1000", "Outputs:Local:Spool:MaxBytes: must be between 1048576 and")]
    [TestCase("Outputs:Local:Spool:MaxBytes=lots", "Outputs:Local:Spool:MaxBytes: 'lots' is not a whole number")]
    [TestCase("Outputs:Local:Spool:Dir=/tmp", "Outputs:Local:Spool:Dir: is not a known setting (known: Enabled, Directory, MaxBytes)")]
    [TestCase("Collector:Port=70000", "Collector:Port: must be between 0 and 65535")]
    [TestCase("Collector:Address=localhost", "Collector:Address: must be an IP address")]
    [TestCase("Collector:ShutdownTimeout=-00:00:01", "Collector:ShutdownTimeout: must be a duration")]
    [TestCase("Collector:Prot=7971", "Collector:Prot: is not a known setting")]
    [TestCase("Metrics:Prometheus:Port=0", "Metrics:Prometheus:Port: must be between 1 and 65535")]
    [TestCase("Metrics:Prometheus:Enabled=yes", "Metrics:Prometheus:Enabled: 'yes' is not true or false")]
    [TestCase("Metrics:Otlp:Endpoint=collector:4317", "Metrics:Otlp:Endpoint: 'collector:4317' is not an absolute http:// or https:// URL")]
    [TestCase("Logging:LogLevel:Default=Verbose", "Logging:LogLevel:Default: must be one of Trace, Debug, Information, Warning, Error, Critical, None (got 'Verbose')")]
    [TestCase("Logging:Console:LogLevel:Ogrt.Collector=Loud", "Logging:Console:LogLevel:Ogrt.Collector: must be one of")]
    public async Task A_bad_value_names_its_key(string setting, string expectedMessage)
    {
        var error = await BuildFailsAsync(LocalOutput, setting);

        Assert.That(error.Message, Does.Contain(expectedMessage));
    }

    [Test]
    public async Task An_output_without_a_type_is_refused()
    {
        var error = await BuildFailsAsync("Outputs:Local:Workers=2");

        Assert.That(error.Message, Does.Contain("Outputs:Local:Type: is required"));
    }

    [Test]
    public async Task An_output_type_no_plugin_provides_is_refused_with_the_available_types()
    {
        var error = await BuildFailsAsync("Outputs:Local:Type=Kafka");

        Assert.That(error.Message, Does.Contain("Outputs:Local:Type: 'Kafka' is not provided by any plugin").And.Contain("available: Elasticsearch, File, Splunk, Test"));
    }

    [Test]
    public async Task No_output_at_all_is_refused()
    {
        var error = await BuildFailsAsync();

        Assert.That(error.Message, Does.Contain("Outputs: must configure at least one output"));
    }

    [Test]
    public async Task A_retry_max_delay_shorter_than_the_initial_delay_is_refused()
    {
        var error = await BuildFailsAsync(LocalOutput, "Outputs:Local:RetryInitialDelay=00:00:10", "Outputs:Local:RetryMaxDelay=00:00:01");

        Assert.That(error.Message, Does.Contain("Outputs:Local:RetryMaxDelay: 00:00:01 must not be shorter than Outputs:Local:RetryInitialDelay"));
    }

    [Test]
    public async Task Every_bad_key_is_reported_at_once()
    {
        var error = await BuildFailsAsync(LocalOutput, "Outputs:Local:Workers=0", "Collector:Port=-1", "Outputs:Other:Workers=1");

        Assert.That(error.Errors, Has.Count.EqualTo(3));
        Assert.That(error.Errors, Has.Some.Contains("Outputs:Local:Workers"));
        Assert.That(error.Errors, Has.Some.Contains("Collector:Port"));
        Assert.That(error.Errors, Has.Some.Contains("Outputs:Other:Type: is required"));
    }

    [Test]
    public async Task Unknown_keys_of_every_output_are_refused_together_with_the_plugins_own_errors()
    {
        using var records = new TempDirectory();

        var error = await BuildFailsAsync(
            "Outputs:Disk:Type=File", $"Outputs:Disk:Path={records.Path}", "Outputs:Disk:BatchSzie=10", "Outputs:Disk:Rotaton=None",
            "Outputs:Disk:RetainFiles=many", LocalOutput, "Outputs:Local:Colour=blue");

        Assert.Multiple(() =>
        {
            Assert.That(error.Errors, Has.Count.EqualTo(4), error.Message);
            Assert.That(error.Errors, Has.Some.StartsWith("Outputs:Disk:BatchSzie: is not a known setting").And.Contain("Rotation"));
            Assert.That(error.Errors, Has.Some.StartsWith("Outputs:Disk:Rotaton: is not a known setting"));
            Assert.That(error.Errors, Has.Some.StartsWith("Outputs:Disk:RetainFiles: 'many' is not a whole number"));
            Assert.That(error.Errors, Has.Some.StartsWith("Outputs:Local:Colour: is not a known setting"));
        });
    }

    [Test]
    public async Task Environment_variables_with_the_OGRT_prefix_are_read()
    {
        Environment.SetEnvironmentVariable("OGRT_Outputs__Local__Workers", "65");
        try
        {
            var error = await BuildFailsAsync(LocalOutput);

            Assert.That(error.Message, Does.Contain("Outputs:Local:Workers: must be between 1 and 64 (got 65)"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OGRT_Outputs__Local__Workers", null);
        }
    }

    [Test]
    public async Task Sources_override_in_order_binary_file_then_config_file_then_environment_then_command_line()
    {
        using var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.Combine("appsettings.json"), """
            { "Outputs": { "Local": { "Type": "Test", "BatchSize": 11, "Workers": 1, "QueueCapacity": 100, "RetryMaxDelay": "00:00:01" } },
              "Collector": { "Address": "127.0.0.1", "Port": 0 } }
            """);
        string configFile = directory.Combine("etc-appsettings.json");
        await File.WriteAllTextAsync(configFile, """
            { "Outputs": { "Local": { "Workers": 2, "QueueCapacity": 200, "RetryMaxDelay": "00:00:02" } } }
            """);
        Environment.SetEnvironmentVariable("OGRT_Outputs__Local__QueueCapacity", "300");
        Environment.SetEnvironmentVariable("OGRT_Outputs__Local__RetryMaxDelay", "00:00:03");
        try
        {
            using var host = await CollectorHost.BuildAsync(
                ["--config", configFile, "--Outputs:Local:RetryMaxDelay=00:00:04", $"--Collector:StateDirectory={directory.Combine("state")}"],
                directory.Path,
                services => services.AddSingleton<IOutputFactory>(new TestOutputFactory()));

            var local = host.Services.GetRequiredService<CollectorConfiguration>().Outputs.Single();
            Assert.Multiple(() =>
            {
                Assert.That(local.BatchSize, Is.EqualTo(11));
                Assert.That(local.Workers, Is.EqualTo(2));
                Assert.That(local.QueueCapacity, Is.EqualTo(300));
                Assert.That(local.RetryMaxDelay, Is.EqualTo(TimeSpan.FromSeconds(4)));
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable("OGRT_Outputs__Local__QueueCapacity", null);
            Environment.SetEnvironmentVariable("OGRT_Outputs__Local__RetryMaxDelay", null);
        }
    }

    [TestCase(new string[0], new[] { "Shipped" })]
    [TestCase(new[] { "--Outputs:Mine:Type=Test" }, new[] { "Mine" })]
    [TestCase(new[] { "--Outputs:Shipped:Workers=3", "--Outputs:Mine:Type=Test" }, new[] { "Mine", "Shipped" })]
    public async Task Shipped_outputs_apply_only_when_no_other_source_names_an_output(string[] commandLine, string[] expectedOutputs)
    {
        using var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.Combine("appsettings.json"), """
            { "Outputs": { "Shipped": { "Type": "Test", "BatchSize": 11 } }, "Collector": { "Address": "127.0.0.1", "Port": 0 } }
            """);
        string configFile = directory.Combine("empty.json");
        await File.WriteAllTextAsync(configFile, "{}");

        using var host = await CollectorHost.BuildAsync(
            ["--config", configFile, $"--Collector:StateDirectory={directory.Combine("state")}", .. commandLine],
            directory.Path,
            services => services.AddSingleton<IOutputFactory>(new TestOutputFactory()));

        var outputs = host.Services.GetRequiredService<CollectorConfiguration>().Outputs;
        Assert.Multiple(() =>
        {
            Assert.That(outputs.Select(output => output.Name).Order(), Is.EqualTo(expectedOutputs));
            Assert.That(outputs.Where(output => output.Name == "Shipped").Select(output => output.BatchSize), Has.All.EqualTo(11), "a named shipped output keeps its settings");
        });
    }

    [Test]
    public void A_missing_config_file_named_on_the_command_line_is_refused()
    {
        using var directory = new TempDirectory();
        string missing = directory.Combine("nope.json");

        var error = Assert.ThrowsAsync<CollectorConfigurationException>(() => CollectorHost.BuildAsync(["--config", missing], directory.Path));

        Assert.That(error!.Message, Does.Contain("--config").And.Contain(missing));
    }

    [Test]
    public async Task Invalid_json_names_the_file()
    {
        using var directory = new TempDirectory();
        string file = directory.Combine("appsettings.json");
        await File.WriteAllTextAsync(file, "{ \"Collector\": { \"Port\": 7971, } ");

        var error = Assert.ThrowsAsync<CollectorConfigurationException>(() => CollectorHost.BuildAsync(["--config", file], directory.Path));

        Assert.That(error!.Message, Does.StartWith(file));
    }

    [Test]
    public async Task A_port_that_is_already_taken_is_a_clear_start_error()
    {
        using var occupant = new UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int port = ((System.Net.IPEndPoint)occupant.Client.LocalEndPoint!).Port;

        var error = await BuildFailsAsync(LocalOutput, $"Collector:Port={port}");

        Assert.That(error.Message, Does.Contain("Collector:Address/Collector:Port: cannot bind UDP 127.0.0.1:" + port));
    }

    private static async Task<CollectorConfigurationException> BuildFailsAsync(params string[] settings)
    {
        using var directory = new TempDirectory();
        string[] args = InProcessCollector.CreateArgs(directory, settings);
        try
        {
            using var host = await CollectorHost.BuildAsync(args, directory.Path, services => services.AddSingleton<IOutputFactory>(new TestOutputFactory()));
            await host.StartAsync(); // The outputs are created as the host starts.
            await host.StopAsync();
        }
        catch (CollectorConfigurationException e)
        {
            return e;
        }
        Assert.Fail("The collector started although the configuration is invalid: " + string.Join(" ", settings));
        throw new UnreachableException();
    }
}
