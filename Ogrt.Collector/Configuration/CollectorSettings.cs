using System.Net;

namespace Ogrt.Collector.Configuration;

/// <summary>The validated <c>Collector</c> section.</summary>
public sealed record CollectorSettings
{
    public const int DefaultPort = 7971;

    public required IPAddress Address { get; init; }
    public required int Port { get; init; }

    /// <summary>SO_RCVBUF to request; null keeps the kernel default.</summary>
    public int? ReceiveBufferBytes { get; init; }

    /// <summary>Datagrams held between the socket and decoding.</summary>
    public required int ReceiveQueueCapacity { get; init; }

    /// <summary>Bytes of datagrams held between the socket and decoding.</summary>
    public required long ReceiveQueueBytes { get; init; }
    public required TimeSpan ShutdownTimeout { get; init; }
    public required string StateDirectory { get; init; }
    public required string PluginsDirectory { get; init; }

    /// <summary>The directory relative paths in configuration are resolved against.</summary>
    public required string ContentRoot { get; init; }
}
