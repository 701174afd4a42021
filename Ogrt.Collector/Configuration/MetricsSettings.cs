using OpenTelemetry.Exporter;

namespace Ogrt.Collector.Configuration;

/// <summary>The validated <c>Metrics</c> section.</summary>
public sealed record MetricsSettings
{
    public const int DefaultPrometheusPort = 9464;

    public required bool PrometheusEnabled { get; init; }

    /// <summary>Host part of the HttpListener prefix: "*" for every address, or e.g. "localhost".</summary>
    public required string PrometheusHost { get; init; }
    public required int PrometheusPort { get; init; }
    public required bool OtlpEnabled { get; init; }

    public required OtlpExportProtocol OtlpProtocol { get; init; }

    /// <summary>Null uses the exporter's default (or OTEL_EXPORTER_OTLP_ENDPOINT); for HttpProtobuf it is the full URL including /v1/metrics.</summary>
    public Uri? OtlpEndpoint { get; init; }
}
