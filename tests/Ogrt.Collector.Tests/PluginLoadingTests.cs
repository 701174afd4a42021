using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Hosting;
using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.Abstractions;
using Ogrt.Protocol;

namespace Ogrt.Collector.Tests;

/// <summary>The real File plugin, loaded from plugins/Ogrt.Outputs.File/ as an installation has it.</summary>
public class PluginLoadingTests
{
    private static string PluginsDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");

    [Test]
    public async Task The_File_plugin_writes_each_received_record_as_one_JSON_line_in_the_upstream_shape()
    {
        using var records = new TempDirectory();
        await using var collector = await InProcessCollector.StartAsync(
        [
            "Outputs:Local:Type=File", $"Outputs:Local:Path={records.Path}", "Outputs:Local:Rotation=None",
            // Nothing reaches the file before shutdown: the stop must flush the open batch.
            "Outputs:Local:BatchSize=1000", "Outputs:Local:BatchInterval=00:10:00",
        ]);

        await collector.SendAsync(Enumerable.Range(1, 50).Select(TestDatagrams.Encode));
        await Poll.UntilAsync(() => collector.Metrics.Sum("ogrt.collector.output.queued") == 50, "50 records are queued");
        await collector.StopAsync();

        var lines = Directory.GetFiles(records.Path, "*.jsonl").SelectMany(File.ReadAllLines).ToList();
        Assert.That(lines, Has.Count.EqualTo(50));
        var documents = lines.Select(line => JsonDocument.Parse(line)).ToList();
        Assert.That(documents.Select(d => d.RootElement.GetProperty("pid").GetInt32()).Order(), Is.EqualTo(Enumerable.Range(1, 50)));

        var expected = TestDatagrams.ProcessInfo(7);
        var json = documents.Single(d => d.RootElement.GetProperty("pid").GetInt32() == 7).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("binpath").GetString(), Is.EqualTo(expected.Binpath));
            Assert.That(json.GetProperty("parent_pid").GetInt32(), Is.EqualTo(expected.ParentPid));
            Assert.That(json.GetProperty("time").GetInt64(), Is.EqualTo(expected.Time));
            Assert.That(json.GetProperty("signature").GetString(), Is.EqualTo(expected.Signature));
            Assert.That(json.GetProperty("job_id").GetString(), Is.EqualTo(expected.JobId));
            Assert.That(json.GetProperty("username").GetString(), Is.EqualTo(expected.Username));
            Assert.That(json.GetProperty("hostname").GetString(), Is.EqualTo(expected.Hostname));
            Assert.That(json.GetProperty("cmdline").GetString(), Is.EqualTo(expected.Cmdline));
            Assert.That(json.GetProperty("environment_variables").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(expected.EnvironmentVariables));
            Assert.That(json.GetProperty("arguments").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(expected.Arguments));
            var sharedObjects = json.GetProperty("shared_objects").EnumerateArray().ToList();
            Assert.That(sharedObjects.Select(so => so.GetProperty("path").GetString()), Is.EqualTo(expected.SharedObjects.Select(so => so.Path)));
            Assert.That(sharedObjects[10].GetProperty("signature").GetString(), Is.EqualTo(expected.SharedObjects[10].Signature));
            Assert.That(sharedObjects[1].TryGetProperty("signature", out _), Is.False, "an absent signature is omitted");
            Assert.That(json.GetProperty("loaded_modules").EnumerateArray().Select(m => m.GetProperty("name").GetString()),
                Is.EqualTo(expected.LoadedModules.Select(m => m.Name)));
            Assert.That(json.GetProperty("uid").GetUInt32(), Is.EqualTo(expected.Uid));
            Assert.That(json.GetProperty("gid").GetUInt32(), Is.EqualTo(expected.Gid));
            Assert.That(json.GetProperty("cwd").GetString(), Is.EqualTo(expected.Cwd));
            Assert.That(json.GetProperty("time_us").GetInt64(), Is.EqualTo(expected.TimeUs));
            Assert.That(json.GetProperty("agent_version").GetString(), Is.EqualTo(expected.AgentVersion));
            Assert.That(json.GetProperty("source_address").GetString(), Is.EqualTo("127.0.0.1"));
            Assert.That(json.TryGetProperty("received_at", out _), Is.True);
        });
        Assert.That(collector.Metrics.Sum("ogrt.collector.output.written", ("output", "Local"), ("type", "File")), Is.EqualTo(50));
    }

    [Test]
    public async Task A_setting_the_File_plugin_refuses_stops_the_start_and_names_the_key()
    {
        using var directory = new TempDirectory();
        string notADirectory = directory.Combine("a-file");
        await File.WriteAllTextAsync(notADirectory, "x");

        var error = StartFails(directory, "Outputs:Local:Type=File", $"Outputs:Local:Path={notADirectory}");

        Assert.That(error.Message, Does.Contain("Outputs:Local:Path"));
    }

    [Test]
    public async Task Broken_plugins_are_each_reported_by_folder()
    {
        using var directory = new TempDirectory();
        string plugins = directory.Combine("plugins");
        Directory.CreateDirectory(Path.Combine(plugins, "Garbage"));
        await File.WriteAllBytesAsync(Path.Combine(plugins, "Garbage", "Garbage.dll"), [0x7F, (byte)'E', (byte)'L', (byte)'F', 1, 2, 3]);
        Directory.CreateDirectory(Path.Combine(plugins, "Empty"));
        // A real .NET assembly that is not an output plugin.
        string notAPlugin = Path.Combine(plugins, "Ogrt.Protocol");
        Directory.CreateDirectory(notAPlugin);
        File.Copy(typeof(ProcessInfo).Assembly.Location, Path.Combine(notAPlugin, "Ogrt.Protocol.dll"));

        var error = StartFails(directory, "Outputs:Local:Type=Test", $"Collector:PluginsDirectory={plugins}");

        Assert.Multiple(() =>
        {
            Assert.That(error.Errors, Has.Count.EqualTo(3));
            Assert.That(error.Message, Does.Contain($"Plugin {Path.Combine(plugins, "Garbage", "Garbage.dll")} failed to load"));
            Assert.That(error.Message, Does.Contain($"Plugin folder {Path.Combine(plugins, "Empty")} has no Empty.dll"));
            Assert.That(error.Message, Does.Contain($"Plugin {Path.Combine(notAPlugin, "Ogrt.Protocol.dll")} has no public IOutputFactory"));
        });
    }

    [Test]
    public void Two_providers_of_one_output_type_are_refused()
    {
        using var directory = new TempDirectory();
        string[] args = InProcessCollector.CreateArgs(directory, ["Outputs:Local:Type=File", $"Collector:PluginsDirectory={PluginsDirectory}"]);

        var error = Assert.ThrowsAsync<CollectorConfigurationException>(async () =>
        {
            using var host = await CollectorHost.BuildAsync(args, directory.Path, services => services.AddSingleton<IOutputFactory>(new TestOutputFactory(type: "File")));
            await host.StartAsync();
        });

        Assert.That(error!.Message, Does.Contain("Output type 'File' is provided twice").And.Contain("Ogrt.Outputs.File.dll"));
    }

    [Test]
    public void Without_a_plugins_directory_a_plugin_output_type_is_unknown()
    {
        using var directory = new TempDirectory();
        string missing = directory.Combine("no-plugins-here");

        var error = StartFails(directory, "Outputs:Local:Type=File", $"Collector:PluginsDirectory={missing}");

        Assert.That(error.Message, Does.Contain($"Outputs:Local:Type: 'File' is not provided by any plugin in {missing} (available: Test)"));
    }

    private static CollectorConfigurationException StartFails(TempDirectory directory, params string[] settings)
    {
        string[] args = InProcessCollector.CreateArgs(directory, settings);
        var error = Assert.ThrowsAsync<CollectorConfigurationException>(async () =>
        {
            using var host = await CollectorHost.BuildAsync(args, directory.Path, services => services.AddSingleton<IOutputFactory>(new TestOutputFactory()));
            await host.StartAsync(); // The outputs are created as the host starts.
        });
        return error!;
    }
}
