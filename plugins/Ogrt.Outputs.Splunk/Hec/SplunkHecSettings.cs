using Ogrt.Outputs.Shared;

namespace Ogrt.Outputs.Splunk.Hec;

/// <summary>The validated settings of a Splunk output in HEC mode (see docs/splunk.md).</summary>
internal sealed class SplunkHecSettings
{
    /// <summary>The settings <see cref="Read"/> reads.</summary>
    public static readonly string[] Keys =
    [
        "Url", "Token", "Source", "SourceType", "Index", "Gzip", "MaxRequestBytes", "UseAck", "AckTimeout", "AckPollInterval",
        "RequestTimeout", .. TlsSettings.Keys,
    ];

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

    public required TlsSettings Tls { get; init; }

    public static SplunkHecSettings Read(SectionReader reader)
    {
        var url = reader.ParseHttpUrl("Url", reader.GetRequiredString("Url"));
        string token = reader.GetRequiredString("Token");
        if (token.Any(char.IsWhiteSpace))
            throw reader.Error("Token", "must not contain white space");
        return new SplunkHecSettings
        {
            Url = url,
            Token = token,
            Source = reader.GetString("Source") ?? "ogrt",
            SourceType = reader.GetString("SourceType") ?? "ogrt",
            Index = reader.GetString("Index"),
            Gzip = reader.GetBool("Gzip", false),
            MaxRequestBytes = reader.GetInt("MaxRequestBytes", 1024 * 1024, 16 * 1024, 1024 * 1024 * 1024),
            UseAck = reader.GetBool("UseAck", false),
            AckTimeout = reader.GetDuration("AckTimeout", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            AckPollInterval = reader.GetDuration("AckPollInterval", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)),
            RequestTimeout = reader.GetDuration("RequestTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
            Tls = TlsSettings.Read(reader),
        };
    }
}
