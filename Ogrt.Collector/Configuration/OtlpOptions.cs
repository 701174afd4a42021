using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>The <c>Metrics:Otlp</c> section: pushing to an OpenTelemetry collector.</summary>
public sealed class OtlpOptions
{
    public bool Enabled { get; set; }

    public OtlpExportProtocol Protocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>Null uses the exporter's default (or OTEL_EXPORTER_OTLP_ENDPOINT); for HttpProtobuf it is the full URL including /v1/metrics.</summary>
    [HttpUrlSetting]
    public string? Endpoint { get; set; }
}

/// <summary>Checks the attributes of <see cref="OtlpOptions"/> (generated).</summary>
[OptionsValidator]
internal sealed partial class OtlpOptionsValidator : IValidateOptions<OtlpOptions>;
