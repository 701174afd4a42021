using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;

namespace Ogrt.Collector.Configuration;

/// <summary>
/// The whole validated configuration of the collector. <see cref="Load"/> checks every key the
/// collector itself reads; plugin-specific keys are checked by the plugins.
/// </summary>
public sealed record CollectorConfiguration(
    CollectorSettings Collector,
    IReadOnlyList<OutputSettings> Outputs,
    MetricsSettings Metrics)
{
    public const string CollectorSection = "Collector";
    public const string OutputsSection = "Outputs";
    public const string MetricsSection = "Metrics";

    private static readonly string[] CollectorKeys =
    [
        "Address", "Port", "ReceiveBufferBytes", "ReceiveQueueCapacity", "ReceiveQueueBytes", "ShutdownTimeout",
        "StateDirectory", "PluginsDirectory",
    ];

    /// <summary>The settings of an output section that the collector reads; the plugin declares the rest.</summary>
    private static readonly string[] OutputPipelineKeys =
    [
        "Type", "Workers", "QueueCapacity", "QueueBytes", "BatchSize", "BatchInterval", "RetryInitialDelay", "RetryMaxDelay",
        "OverflowPolicy", "BlockTimeout", "Spool",
    ];

    private static readonly string[] SpoolKeys = ["Enabled", "Directory", "MaxBytes"];
    private static readonly string[] MetricsKeys = ["Prometheus", "Otlp"];
    private static readonly string[] PrometheusKeys = ["Enabled", "Host", "Port"];
    private static readonly string[] OtlpKeys = ["Enabled", "Endpoint", "Protocol"];
    private const string LoggingSection = "Logging";
    private const string LogLevelKey = "LogLevel";

    /// <summary>Reads and validates the configuration; throws listing every bad key.</summary>
    /// <param name="configuration">The merged configuration.</param>
    /// <param name="contentRoot">What relative paths are resolved against.</param>
    /// <param name="binaryDirectory">Where the default <c>plugins</c> folder is.</param>
    /// <param name="systemdStateDirectory">$STATE_DIRECTORY as systemd set it, if any.</param>
    public static CollectorConfiguration Load(
        IConfiguration configuration, string contentRoot, string binaryDirectory, string? systemdStateDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var reader = new SettingsReader();
        var collector = ReadCollector(reader, configuration.GetSection(CollectorSection), contentRoot, binaryDirectory, systemdStateDirectory);
        var outputs = ReadOutputs(reader, configuration.GetSection(OutputsSection), collector.StateDirectory, contentRoot);
        var metrics = ReadMetrics(reader, configuration.GetSection(MetricsSection));
        CheckLogLevels(reader, configuration.GetSection(LoggingSection));
        reader.ThrowIfAnyErrors();
        return new CollectorConfiguration(collector, outputs, metrics);
    }

    /// <summary>
    /// The keys of an output section that neither the collector nor the output's plugin reads,
    /// one message each. Checked once the plugins are loaded, as only they know their keys.
    /// </summary>
    public static IReadOnlyList<string> UnknownOutputSettings(IConfigurationSection output, IReadOnlyCollection<string> pluginSettings)
    {
        ArgumentNullException.ThrowIfNull(pluginSettings);
        var reader = new SettingsReader();
        reader.RejectUnknownKeys(output, [.. OutputPipelineKeys, .. pluginSettings]);
        return reader.Errors;
    }

    private static CollectorSettings ReadCollector(
        SettingsReader reader, IConfigurationSection section, string contentRoot, string binaryDirectory, string? systemdStateDirectory)
    {
        reader.RejectUnknownKeys(section, CollectorKeys);

        var address = IPAddress.Any;
        string? addressText = section["Address"];
        if (!string.IsNullOrWhiteSpace(addressText) && !IPAddress.TryParse(addressText.Trim(), out address!))
        {
            reader.AddError($"{section.Path}:Address must be an IP address such as 0.0.0.0, :: or 192.0.2.10 (got '{addressText}')");
            address = IPAddress.Any;
        }

        // systemd passes a colon-separated list when a unit names several state directories.
        string? stateDefault = string.IsNullOrEmpty(systemdStateDirectory)
            ? null
            : systemdStateDirectory.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        string stateDirectory = ResolvePath(section["StateDirectory"], contentRoot) ?? stateDefault ?? Path.Combine(contentRoot, "state");
        string pluginsDirectory = ResolvePath(section["PluginsDirectory"], contentRoot) ?? Path.Combine(binaryDirectory, "plugins");

        return new CollectorSettings
        {
            Address = address,
            Port = reader.ReadInt(section, "Port", CollectorSettings.DefaultPort, 0, 65535),
            ReceiveBufferBytes = reader.ReadOptionalInt(section, "ReceiveBufferBytes", 4096, 1 << 30),
            ReceiveQueueCapacity = reader.ReadInt(section, "ReceiveQueueCapacity", 65536, 16, 1 << 20),
            ReceiveQueueBytes = reader.ReadInt(section, "ReceiveQueueBytes", 256 << 20, 1 << 20, int.MaxValue),
            ShutdownTimeout = reader.ReadDuration(section, "ShutdownTimeout", TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromHours(1)),
            StateDirectory = stateDirectory,
            PluginsDirectory = pluginsDirectory,
            ContentRoot = contentRoot,
        };
    }

    private static List<OutputSettings> ReadOutputs(SettingsReader reader, IConfigurationSection outputs, string stateDirectory, string contentRoot)
    {
        var result = new List<OutputSettings>();
        foreach (var section in outputs.GetChildren())
        {
            string? type = section["Type"];
            if (string.IsNullOrWhiteSpace(type))
                reader.AddError($"{section.Path}:Type is required (the output plugin, e.g. File)");

            var retryInitialDelay = reader.ReadDuration(section, "RetryInitialDelay", TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
            var retryMaxDelay = reader.ReadDuration(section, "RetryMaxDelay", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
            if (retryMaxDelay < retryInitialDelay)
                reader.AddError($"{section.Path}:RetryMaxDelay ({retryMaxDelay:c}) must not be shorter than {section.Path}:RetryInitialDelay ({retryInitialDelay:c})");

            result.Add(new OutputSettings
            {
                Name = section.Key,
                Type = type?.Trim() ?? "",
                Workers = reader.ReadInt(section, "Workers", 2, 1, 64),
                QueueCapacity = reader.ReadInt(section, "QueueCapacity", 100_000, 1, 10_000_000),
                QueueBytes = reader.ReadLong(section, "QueueBytes", OutputSettings.DefaultQueueBytes, 1 << 20, long.MaxValue),
                BatchSize = reader.ReadInt(section, "BatchSize", 500, 1, 100_000),
                BatchInterval = reader.ReadDuration(section, "BatchInterval", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
                RetryInitialDelay = retryInitialDelay,
                RetryMaxDelay = retryMaxDelay,
                OverflowPolicy = reader.ReadEnum(section, "OverflowPolicy", OverflowPolicy.DropNewest),
                BlockTimeout = reader.ReadDuration(section, "BlockTimeout", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)),
                Spool = ReadSpool(reader, section.GetSection("Spool"), stateDirectory, contentRoot),
            });
        }
        // Two outputs spooling into one directory would read each other's records.
        foreach (var shared in result.Where(output => output.Spool is not null).GroupBy(output => output.Spool!.Directory).Where(group => group.Count() > 1))
            reader.AddError($"{outputs.Path}:{string.Join(", ", shared.Select(output => output.Name))}: Spool:Directory must differ per output (all use {shared.Key})");
        if (result.Count == 0)
            reader.AddError($"{outputs.Path} must configure at least one output, e.g. {outputs.Path}:File:Type=File");
        return result;
    }

    private static SpoolSettings? ReadSpool(SettingsReader reader, IConfigurationSection section, string stateDirectory, string contentRoot)
    {
        reader.RejectUnknownKeys(section, SpoolKeys);
        bool enabled = reader.ReadBool(section, "Enabled", false);
        long maxBytes = reader.ReadLong(section, "MaxBytes", SpoolSettings.DefaultMaxBytes, SpoolSettings.MinMaxBytes, long.MaxValue);
        if (!enabled)
            return null;
        string outputName = section.Path.Split(':')[^2];
        return new SpoolSettings
        {
            Directory = ResolvePath(section["Directory"], contentRoot) ?? Path.Combine(stateDirectory, "spool", outputName),
            MaxBytes = maxBytes,
        };
    }

    private static MetricsSettings ReadMetrics(SettingsReader reader, IConfigurationSection section)
    {
        reader.RejectUnknownKeys(section, MetricsKeys);
        var prometheus = section.GetSection("Prometheus");
        var otlp = section.GetSection("Otlp");
        reader.RejectUnknownKeys(prometheus, PrometheusKeys);
        reader.RejectUnknownKeys(otlp, OtlpKeys);

        Uri? endpoint = null;
        string? endpointText = otlp["Endpoint"];
        if (!string.IsNullOrWhiteSpace(endpointText)
            && (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            reader.AddError($"{otlp.Path}:Endpoint must be an http:// or https:// URL (got '{endpointText}')");
            endpoint = null;
        }

        string host = prometheus["Host"] is { Length: > 0 } configuredHost ? configuredHost.Trim() : "*";
        if (host.Contains('/', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
            reader.AddError($"{prometheus.Path}:Host must be a host name, an address, or * (got '{host}')");

        return new MetricsSettings
        {
            PrometheusEnabled = reader.ReadBool(prometheus, "Enabled", false),
            PrometheusHost = host,
            PrometheusPort = reader.ReadInt(prometheus, "Port", MetricsSettings.DefaultPrometheusPort, 1, 65535),
            OtlpEnabled = reader.ReadBool(otlp, "Enabled", false),
            OtlpProtocol = reader.ReadEnum(otlp, "Protocol", OtlpExportProtocol.Grpc),
            OtlpEndpoint = endpoint,
        };
    }

    /// <summary>
    /// Checks <c>Logging:LogLevel:*</c> and <c>Logging:&lt;Provider&gt;:LogLevel:*</c>. The host reads
    /// them only when it creates its first logger and then throws, which would crash the start
    /// (and make systemd restart it in a loop) instead of refusing the configuration.
    /// </summary>
    private static void CheckLogLevels(SettingsReader reader, IConfigurationSection logging)
    {
        var levelSections = logging.GetChildren()
            .Select(child => string.Equals(child.Key, LogLevelKey, StringComparison.OrdinalIgnoreCase) ? child : child.GetSection(LogLevelKey));
        foreach (var levels in levelSections)
        {
            foreach (var category in levels.GetChildren())
                reader.ReadEnum(levels, category.Key, LogLevel.Information);
        }
    }

    private static string? ResolvePath(string? configured, string contentRoot) =>
        string.IsNullOrWhiteSpace(configured) ? null : Path.GetFullPath(configured, contentRoot);
}
