using Ogrt.Outputs.Sdk.Configuration;
using Ogrt.Outputs.Sdk.Tls;

namespace Ogrt.Outputs.Splunk.Tcp;

/// <summary>The validated settings of a Splunk output in TCP mode (see docs/splunk.md).</summary>
internal sealed class SplunkTcpSettings
{
    public required string Host { get; init; }

    public int Port { get; init; }

    public bool Tls { get; init; }

    /// <summary>The name the server certificate must carry; the host by default.</summary>
    public required string ServerName { get; init; }

    public required ServerCertificateCheck TlsSettings { get; init; }

    public TimeSpan ConnectTimeout { get; init; }

    public TimeSpan WriteTimeout { get; init; }

    public TimeSpan CloseTimeout { get; init; }


    /// <summary>How many bytes of recent batches are sent again on a new connection.</summary>
    public int ReplayBytes { get; init; }

    /// <summary>The TCP mode's settings from <paramref name="options"/>; problems go to <paramref name="errors"/>.</summary>
    public static SplunkTcpSettings From(SplunkOptions options, string section, ServerCertificateCheck tls, ConfigurationErrors errors)
    {
        string host = options.Host?.Trim() ?? "";
        if (host.Length == 0)
            errors.Add($"{section}:Host", "is required (the Splunk indexer's host name or address)");
        else if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
            errors.Add($"{section}:Host", $"'{host}' is not a host name or IP address");
        if (options.Port is null)
            errors.Add($"{section}:Port", "is required (the Splunk TCP input's port)");
        if (!options.Tls && (options.InsecureSkipVerify || !string.IsNullOrWhiteSpace(options.CaFile)))
            errors.Add($"{section}:Tls", "CaFile and InsecureSkipVerify need Tls: true");
        return new SplunkTcpSettings
        {
            Host = host,
            Port = options.Port ?? 0,
            Tls = options.Tls,
            ServerName = string.IsNullOrWhiteSpace(options.ServerName) ? host : options.ServerName.Trim(),
            TlsSettings = tls,
            ConnectTimeout = options.ConnectTimeout,
            WriteTimeout = options.WriteTimeout,
            CloseTimeout = options.CloseTimeout,
            ReplayBytes = options.ReplayBytes,
        };
    }
}
