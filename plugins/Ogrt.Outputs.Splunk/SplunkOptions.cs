using Microsoft.Extensions.Options;
using Ogrt.Outputs.Sdk.Configuration;
using Ogrt.Outputs.Sdk.Tls;

namespace Ogrt.Outputs.Splunk;

/// <summary>
/// The settings of one Splunk output as configured (see docs/splunk.md): both modes' keys, so a
/// key of the other mode is accepted (and unused) while a typo is refused.
/// </summary>
internal sealed class SplunkOptions : TlsOptions
{
    [RequiredSetting("Tcp or Hec")]
    public SplunkMode? Mode { get; set; }

    // TCP mode.
    public string? Host { get; set; }

    [RangeSetting(1, 65535)]
    public int? Port { get; set; }

    public bool Tls { get; set; }

    /// <summary>The name the server certificate must carry; the host by default.</summary>
    public string? ServerName { get; set; }

    [DurationSetting("00:00:00.010", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [DurationSetting("00:00:00.010", "01:00:00")]
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [DurationSetting("00:00:00", "00:10:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many bytes of recent batches are sent again on a new connection.</summary>
    [RangeSetting(0, 1024 * 1024 * 1024)]
    public int ReplayBytes { get; set; } = 4 * 1024 * 1024;

    // HEC mode.

    /// <summary>The HEC base URL, e.g. https://splunk.example.org:8088/.</summary>
    public string? Url { get; set; }

    public string? Token { get; set; }

    public string Source { get; set; } = "ogrt";

    public string SourceType { get; set; } = "ogrt";

    public string? Index { get; set; }

    public bool Gzip { get; set; }

    [RangeSetting(16 * 1024, 1024 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    public bool UseAck { get; set; }

    [DurationSetting("00:00:00.100", "01:00:00")]
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(120);

    [DurationSetting("00:00:00.010", "00:10:00")]
    public TimeSpan AckPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    [DurationSetting("00:00:00.010", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks the attributes of <see cref="SplunkOptions"/> (generated).</summary>
[OptionsValidator]
internal sealed partial class SplunkOptionsValidator : IValidateOptions<SplunkOptions>;
