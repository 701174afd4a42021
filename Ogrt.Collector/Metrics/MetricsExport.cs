using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Ogrt.Collector.Configuration;

namespace Ogrt.Collector.Metrics;

/// <summary>Wires the collector's meter to the exporters enabled in the <c>Metrics</c> section.</summary>
public static class MetricsExport
{
    public static IServiceCollection AddCollectorMetricsExport(this IServiceCollection services, MetricsOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Prometheus.Enabled && !settings.Otlp.Enabled)
            return services;

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                "ogrt-collector", serviceVersion: typeof(MetricsExport).Assembly.GetName().Version?.ToString(3)))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(CollectorMetrics.MeterName);
                // The runtime's own meter: allocation rate, GC count and pause time, heap size.
                metrics.AddMeter("System.Runtime");
                if (settings.Prometheus.Enabled)
                {
                    metrics.AddPrometheusHttpListener(options =>
                    {
                        // The exporter builds a URI from Host and throws on "*"; it only needs a
                        // valid one, as the listener's prefixes are replaced below.
                        options.Host = "localhost";
                        options.Port = settings.Prometheus.Port;
                        options.ConfigureHttpListener = (_, listener) =>
                        {
                            listener.Prefixes.Clear();
                            foreach (string prefix in PrometheusPrefixes(settings.Prometheus.Host, settings.Prometheus.Port))
                                listener.Prefixes.Add(prefix);
                        };
                    });
                }
                if (settings.Otlp.Enabled)
                {
                    metrics.AddOtlpExporter(options =>
                    {
                        options.Protocol = settings.Otlp.Protocol;
                        if (settings.Otlp.Endpoint is { Length: > 0 } endpoint)
                            options.Endpoint = new Uri(endpoint.Trim());
                    });
                }
            });
        return services;
    }

    /// <summary>
    /// The HttpListener prefixes for the configured host. HttpListener answers 404 to a request
    /// whose Host header matches no prefix, so a host name also gets a prefix per address it
    /// resolves to: with <c>localhost</c>, <c>http://127.0.0.1:9464/metrics</c> works too.
    /// </summary>
    internal static IReadOnlyList<string> PrometheusPrefixes(string host, int port)
    {
        if (host is "*" or "+")
            return [$"http://+:{port}/"];
        var hosts = new List<string> { host };
        if (!IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            try
            {
                // A link-local address needs a scope id, which a prefix cannot carry.
                hosts.AddRange(Dns.GetHostAddresses(host).Where(address => !address.IsIPv6LinkLocal).Select(address =>
                    address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString()));
            }
            catch (SocketException)
            {
                // Unresolvable here: the listener reports it when it starts.
            }
        }
        return hosts.Distinct(StringComparer.OrdinalIgnoreCase).Select(name => $"http://{name}:{port}/").ToList();
    }
}
