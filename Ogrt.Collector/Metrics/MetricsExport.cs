using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Ogrt.Collector.Configuration;

namespace Ogrt.Collector.Metrics;

/// <summary>Wires the collector's meter to the exporters enabled in the <c>Metrics</c> section.</summary>
public static class MetricsExport
{
    public static IServiceCollection AddCollectorMetricsExport(this IServiceCollection services, MetricsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.PrometheusEnabled && !settings.OtlpEnabled)
            return services;

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                "ogrt-collector", serviceVersion: typeof(MetricsExport).Assembly.GetName().Version?.ToString(3)))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(CollectorMetrics.MeterName);
                if (settings.PrometheusEnabled)
                {
                    metrics.AddPrometheusHttpListener(options =>
                    {
                        options.Host = settings.PrometheusHost;
                        options.Port = settings.PrometheusPort;
                    });
                }
                if (settings.OtlpEnabled)
                {
                    metrics.AddOtlpExporter(options =>
                    {
                        options.Protocol = settings.OtlpProtocol;
                        if (settings.OtlpEndpoint is { } endpoint)
                            options.Endpoint = endpoint;
                    });
                }
            });
        return services;
    }
}
