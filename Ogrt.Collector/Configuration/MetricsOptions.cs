namespace Ogrt.Collector.Configuration;

/// <summary>The <c>Metrics</c> section: how the collector's metrics are exported.</summary>
public sealed class MetricsOptions
{
    public PrometheusOptions Prometheus { get; set; } = new();

    public OtlpOptions Otlp { get; set; } = new();
}
