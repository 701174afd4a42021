using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ogrt.Collector.Hosting;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Receiving;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests.Support;

/// <summary>
/// A collector built by the same <see cref="CollectorHost"/> code as the real binary, on an
/// ephemeral UDP port, with its own temp directory and a metrics recorder on its meter.
/// </summary>
internal sealed class InProcessCollector : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private bool _stopped;

    private InProcessCollector(TempDirectory directory, IHost host)
    {
        _directory = directory;
        Host = host;
        Metrics = new MetricsRecorder(host.Services.GetRequiredService<CollectorMetrics>().Meter);
        EndPoint = host.Services.GetRequiredService<UdpReceiver>().LocalEndPoint;
    }

    public IHost Host { get; }
    public MetricsRecorder Metrics { get; }
    public IPEndPoint EndPoint { get; }
    public string Directory => _directory.Path;

    /// <summary>
    /// Starts a collector. <paramref name="settings"/> are "Key=value" overrides on top of
    /// test defaults (loopback IPv4, port 0, quiet logging).
    /// </summary>
    public static async Task<InProcessCollector> StartAsync(IEnumerable<string> settings, IOutputFactory? builtInOutputs = null)
    {
        var directory = new TempDirectory();
        try
        {
            string[] args = CreateArgs(directory, settings);
            var host = await CollectorHost.BuildAsync(args, directory.Path, services =>
            {
                if (builtInOutputs is not null)
                    services.AddSingleton(builtInOutputs);
            });
            var collector = new InProcessCollector(directory, host);
            await host.StartAsync();
            return collector;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>The arguments the tests run the collector with: an empty config file, then the overrides.</summary>
    public static string[] CreateArgs(TempDirectory directory, IEnumerable<string> settings)
    {
        string configFile = directory.Combine("test-appsettings.json");
        File.WriteAllText(configFile, "{}");
        string[] defaults =
        [
            "Collector:Address=127.0.0.1",
            "Collector:Port=0",
            "Collector:ShutdownTimeout=00:00:30",
            $"Collector:StateDirectory={directory.Combine("state")}",
            "Logging:LogLevel:Default=Warning",
        ];
        return ["--config", configFile, .. defaults.Concat(settings).Select(setting => "--" + setting)];
    }

    /// <summary>
    /// Sends datagrams in small bursts and waits for the collector to read each burst, so the
    /// kernel's socket buffer never overflows on a slow machine (a loss the test could not see).
    /// </summary>
    public async Task SendAsync(IEnumerable<byte[]> datagrams, IPEndPoint? target = null)
    {
        target ??= EndPoint;
        using var client = new UdpClient(target.AddressFamily);
        long alreadyReceived = Metrics.Sum("ogrt.collector.datagrams.received");
        int sent = 0;
        foreach (var datagram in datagrams)
        {
            await client.SendAsync(datagram, target);
            sent++;
            if (sent % 25 == 0)
                await Poll.UntilAsync(() => Metrics.Sum("ogrt.collector.datagrams.received") >= alreadyReceived + sent, $"the collector read {sent} datagrams");
        }
        await Poll.UntilAsync(() => Metrics.Sum("ogrt.collector.datagrams.received") >= alreadyReceived + sent, $"the collector read {sent} datagrams");
    }

    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await Host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            Metrics.Dispose();
            Host.Dispose();
            _directory.Dispose();
        }
    }
}
