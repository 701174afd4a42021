using Ogrt.Outputs.Shared;

namespace Ogrt.Outputs.Splunk.Tcp;

/// <summary>The validated settings of a Splunk output in TCP mode (see docs/splunk.md).</summary>
internal sealed class SplunkTcpSettings
{
    /// <summary>The settings <see cref="Read"/> reads.</summary>
    public static readonly string[] Keys =
    [
        "Host", "Port", "Tls", "ServerName", "ConnectTimeout", "WriteTimeout", "CloseTimeout", "MaxReconnectDelay", "ReplayBytes",
        .. TlsSettings.Keys,
    ];

    public required string Host { get; init; }

    public int Port { get; init; }

    public bool Tls { get; init; }

    /// <summary>The name the server certificate must carry; the host by default.</summary>
    public required string ServerName { get; init; }

    public required TlsSettings TlsSettings { get; init; }

    public TimeSpan ConnectTimeout { get; init; }

    public TimeSpan WriteTimeout { get; init; }

    public TimeSpan CloseTimeout { get; init; }

    public TimeSpan MaxReconnectDelay { get; init; }

    /// <summary>How many bytes of recent batches are sent again on a new connection.</summary>
    public int ReplayBytes { get; init; }

    public static SplunkTcpSettings Read(SectionReader reader)
    {
        string host = reader.GetRequiredString("Host");
        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
            throw reader.Error("Host", $"'{host}' is not a host name or IP address");
        int port = reader.GetInt("Port", 0, 1, 65535);
        if (port == 0)
            throw reader.Error("Port", "is required (the Splunk TCP input's port)");
        bool tls = reader.GetBool("Tls", false);
        var tlsSettings = TlsSettings.Read(reader);
        if (!tls && (tlsSettings.SkipVerify || reader.GetString("CaFile") is not null))
            throw reader.Error("Tls", "CaFile and InsecureSkipVerify need Tls: true");
        return new SplunkTcpSettings
        {
            Host = host,
            Port = port,
            Tls = tls,
            ServerName = reader.GetString("ServerName") ?? host,
            TlsSettings = tlsSettings,
            ConnectTimeout = reader.GetDuration("ConnectTimeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)),
            WriteTimeout = reader.GetDuration("WriteTimeout", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
            CloseTimeout = reader.GetDuration("CloseTimeout", TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.FromMinutes(10)),
            MaxReconnectDelay = reader.GetDuration("MaxReconnectDelay", TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromHours(1)),
            ReplayBytes = reader.GetInt("ReplayBytes", 4 * 1024 * 1024, 0, 1024 * 1024 * 1024),
        };
    }
}
