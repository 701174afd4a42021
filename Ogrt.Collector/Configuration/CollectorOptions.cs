using System.Net;
using Microsoft.Extensions.Options;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>The <c>Collector</c> section: where to receive, how much to hold, where state lives.</summary>
public sealed class CollectorOptions
{
    public const int DefaultPort = 7971;

    /// <summary>The address to receive on: 0.0.0.0, ::, or one of the host's addresses.</summary>
    [IpAddressSetting]
    public string Address { get; set; } = "0.0.0.0";

    [RangeSetting(0, 65535)]
    public int Port { get; set; } = DefaultPort;

    /// <summary>SO_RCVBUF to request; null keeps the kernel default.</summary>
    [RangeSetting(4096, 1 << 30)]
    public int? ReceiveBufferBytes { get; set; }

    /// <summary>Datagrams held between the socket and decoding.</summary>
    [RangeSetting(16, 1 << 20)]
    public int ReceiveQueueCapacity { get; set; } = 65536;

    /// <summary>Bytes of datagrams held between the socket and decoding.</summary>
    [RangeSetting(1 << 20, int.MaxValue)]
    public long ReceiveQueueBytes { get; set; } = 256 << 20;

    [DurationSetting("00:00:00", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where outputs keep their state; absolute once loaded (default: $STATE_DIRECTORY, else &lt;content root&gt;/state).</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>Where the output plugins are; absolute once loaded (default: plugins/ next to the binary).</summary>
    public string PluginsDirectory { get; set; } = "";

    /// <summary>The directory relative paths in configuration are resolved against (not a setting).</summary>
    public string ContentRoot { get; private set; } = "";

    public IPAddress ListenAddress() => IPAddress.Parse(Address.Trim());

    /// <summary>Makes the directories absolute and fills in their defaults.</summary>
    internal void ResolvePaths(string contentRoot, string binaryDirectory, string? systemdStateDirectory)
    {
        ContentRoot = contentRoot;
        // systemd passes a colon-separated list when a unit names several state directories.
        string? stateDefault = string.IsNullOrEmpty(systemdStateDirectory)
            ? null
            : systemdStateDirectory.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        StateDirectory = ResolvePath(StateDirectory, contentRoot) ?? stateDefault ?? Path.Combine(contentRoot, "state");
        PluginsDirectory = ResolvePath(PluginsDirectory, contentRoot) ?? Path.Combine(binaryDirectory, "plugins");
    }

    internal static string? ResolvePath(string? configured, string contentRoot) =>
        string.IsNullOrWhiteSpace(configured) ? null : Path.GetFullPath(configured, contentRoot);
}

/// <summary>Checks the attributes of <see cref="CollectorOptions"/> (generated).</summary>
[OptionsValidator]
internal sealed partial class CollectorOptionsValidator : IValidateOptions<CollectorOptions>;
