using Ogrt.Outputs.Sdk.Configuration;
using Ogrt.Outputs.Sdk.Tls;

namespace Ogrt.Outputs.Splunk.Hec;

/// <summary>The validated settings of a Splunk output in HEC mode (see docs/splunk.md).</summary>
internal sealed class SplunkHecSettings
{
    /// <summary>The HEC base URL, e.g. https://splunk.example.org:8088/.</summary>
    public required Uri Url { get; init; }

    public required string Token { get; init; }

    public required string Source { get; init; }

    public required string SourceType { get; init; }

    public string? Index { get; init; }

    public bool Gzip { get; init; }

    public int MaxRequestBytes { get; init; }

    public bool UseAck { get; init; }

    public TimeSpan AckTimeout { get; init; }

    public TimeSpan AckPollInterval { get; init; }

    public TimeSpan RequestTimeout { get; init; }

    public required ServerCertificateCheck Tls { get; init; }

    /// <summary>The HEC mode's settings from <paramref name="options"/>; problems go to <paramref name="errors"/>.</summary>
    public static SplunkHecSettings From(SplunkOptions options, string section, ServerCertificateCheck tls, ConfigurationErrors errors)
    {
        string url = options.Url?.Trim() ?? "";
        if (url.Length == 0)
            errors.Add($"{section}:Url", "is required (the HTTP Event Collector's base URL, e.g. https://splunk:8088)");
        else if (HttpUrl.Problem(url) is { } problem)
            errors.Add($"{section}:Url", problem);
        string token = options.Token?.Trim() ?? "";
        if (token.Length == 0)
            errors.Add($"{section}:Token", "is required (the HEC token)");
        else if (token.Any(char.IsWhiteSpace))
            errors.Add($"{section}:Token", "must not contain white space");
        return new SplunkHecSettings
        {
            Url = url.Length == 0 || HttpUrl.Problem(url) is not null ? new Uri("http://invalid/") : HttpUrl.Parse(url),
            Token = token,
            Source = options.Source,
            SourceType = options.SourceType,
            Index = string.IsNullOrWhiteSpace(options.Index) ? null : options.Index.Trim(),
            Gzip = options.Gzip,
            MaxRequestBytes = options.MaxRequestBytes,
            UseAck = options.UseAck,
            AckTimeout = options.AckTimeout,
            AckPollInterval = options.AckPollInterval,
            RequestTimeout = options.RequestTimeout,
            Tls = tls,
        };
    }
}
