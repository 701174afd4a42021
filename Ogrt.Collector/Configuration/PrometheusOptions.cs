using Microsoft.Extensions.Options;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>The <c>Metrics:Prometheus</c> section: a scrape endpoint.</summary>
public sealed class PrometheusOptions
{
    public const int DefaultPort = 9464;

    public bool Enabled { get; set; }

    /// <summary>Host part of the HttpListener prefix: "*" for every address, or e.g. "localhost".</summary>
    [PrometheusHostSetting]
    public string Host { get; set; } = "*";

    [RangeSetting(1, 65535)]
    public int Port { get; set; } = DefaultPort;
}

/// <summary>Checks the attributes of <see cref="PrometheusOptions"/> (generated).</summary>
[OptionsValidator]
internal sealed partial class PrometheusOptionsValidator : IValidateOptions<PrometheusOptions>;
