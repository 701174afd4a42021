using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>
/// The whole validated configuration of the collector: one options object per section it reads
/// (<c>*Options</c>), and each output's plugin settings, which the plugin binds itself.
/// </summary>
public sealed class CollectorConfiguration
{
    public const string CollectorSection = "Collector";
    public const string OutputsSection = "Outputs";
    public const string MetricsSection = "Metrics";
    private const string LoggingSection = "Logging";
    private const string LogLevelKey = "LogLevel";

    private static readonly IReadOnlyList<string> PipelineKeys = SectionBinder.KeysOf(typeof(OutputOptions));

    private readonly Dictionary<string, IConfigurationSection> _pluginSettings;

    private CollectorConfiguration(CollectorOptions collector, IReadOnlyList<OutputOptions> outputs, MetricsOptions metrics, Dictionary<string, IConfigurationSection> pluginSettings)
    {
        Collector = collector;
        Outputs = outputs;
        Metrics = metrics;
        _pluginSettings = pluginSettings;
    }

    public CollectorOptions Collector { get; }

    public IReadOnlyList<OutputOptions> Outputs { get; }

    public MetricsOptions Metrics { get; }

    /// <summary>The keys of <c>Outputs:&lt;Name&gt;</c> that are not pipeline settings: the plugin's own.</summary>
    public IConfigurationSection PluginSettingsOf(OutputOptions output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return _pluginSettings[output.Name];
    }

    /// <summary>Binds and validates the configuration; throws listing every bad key.</summary>
    /// <param name="configuration">The merged configuration.</param>
    /// <param name="contentRoot">What relative paths are resolved against.</param>
    /// <param name="binaryDirectory">Where the default <c>plugins</c> folder is.</param>
    /// <param name="systemdStateDirectory">$STATE_DIRECTORY as systemd set it, if any.</param>
    public static CollectorConfiguration Load(
        IConfiguration configuration, string contentRoot, string binaryDirectory, string? systemdStateDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new ConfigurationErrors();
        var collector = SectionBinder.Bind(configuration.GetSection(CollectorSection), errors,
            static (section, options) => section.Bind(options, SectionBinder.Strict), new CollectorOptionsValidator());
        collector.ResolvePaths(contentRoot, binaryDirectory, systemdStateDirectory);

        var pluginSettings = new Dictionary<string, IConfigurationSection>(StringComparer.OrdinalIgnoreCase);
        var outputs = new List<OutputOptions>();
        foreach (var section in configuration.GetSection(OutputsSection).GetChildren())
        {
            outputs.Add(LoadOutput(section, collector, errors));
            pluginSettings[section.Key] = SectionBinder.Without(section, PipelineKeys);
        }
        CheckOutputs(configuration.GetSection(OutputsSection).Path, outputs, errors);

        var metrics = SectionBinder.Bind<MetricsOptions>(configuration.GetSection(MetricsSection), errors,
            static (section, options) => section.Bind(options, SectionBinder.Strict), validator: null);
        SectionBinder.Validate($"{MetricsSection}:Prometheus", metrics.Prometheus, new PrometheusOptionsValidator(), errors);
        SectionBinder.Validate($"{MetricsSection}:Otlp", metrics.Otlp, new OtlpOptionsValidator(), errors);
        CheckLogLevels(configuration.GetSection(LoggingSection), errors);

        if (errors.Count > 0)
            throw new CollectorConfigurationException(errors.All);
        return new CollectorConfiguration(collector, outputs, metrics, pluginSettings);
    }

    private static OutputOptions LoadOutput(IConfigurationSection section, CollectorOptions collector, ConfigurationErrors errors)
    {
        // The collector binds only its own keys; the plugin binds (and checks) the rest.
        var pipeline = new ConfigurationBuilder()
            .AddInMemoryCollection(section.GetChildren()
                .Where(child => PipelineKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                .SelectMany(child => child.AsEnumerable()))
            .Build()
            .GetSection(section.Path);
        var output = SectionBinder.Bind(pipeline, errors, static (configuration, options) => configuration.Bind(options, SectionBinder.Strict), new OutputOptionsValidator())
            with { Name = section.Key };
        SectionBinder.Validate($"{section.Path}:Spool", output.Spool, new SpoolOptionsValidator(), errors);
        output.Type = output.Type?.Trim();
        if (output.RetryMaxDelay < output.RetryInitialDelay)
            errors.Add($"{section.Path}:RetryMaxDelay", $"{output.RetryMaxDelay:c} must not be shorter than {section.Path}:RetryInitialDelay ({output.RetryInitialDelay:c})");
        output.Spool.Directory = CollectorOptions.ResolvePath(output.Spool.Directory, collector.ContentRoot)
                                 ?? Path.Combine(collector.StateDirectory, "spool", section.Key);
        return output;
    }

    private static void CheckOutputs(string path, List<OutputOptions> outputs, ConfigurationErrors errors)
    {
        // Two outputs spooling into one directory would read each other's records.
        foreach (var shared in outputs.Where(output => output.Spool.Enabled).GroupBy(output => output.Spool.Directory).Where(group => group.Count() > 1))
            errors.Add($"{path}:{string.Join(", ", shared.Select(output => output.Name))}", $"Spool:Directory must differ per output (all use {shared.Key})");
        if (outputs.Count == 0)
            errors.Add(path, $"must configure at least one output, e.g. {path}:File:Type=File");
    }

    /// <summary>
    /// Checks <c>Logging:LogLevel:*</c> and <c>Logging:&lt;Provider&gt;:LogLevel:*</c>. The host reads
    /// them only when it creates its first logger and then throws, which would crash the start
    /// (and make systemd restart it in a loop) instead of refusing the configuration.
    /// </summary>
    private static void CheckLogLevels(IConfigurationSection logging, ConfigurationErrors errors)
    {
        var levelSections = logging.GetChildren()
            .Select(child => string.Equals(child.Key, LogLevelKey, StringComparison.OrdinalIgnoreCase) ? child : child.GetSection(LogLevelKey));
        foreach (var category in levelSections.SelectMany(levels => levels.GetChildren()))
        {
            if (!string.IsNullOrWhiteSpace(category.Value) && !Enum.GetNames<LogLevel>().Contains(category.Value.Trim(), StringComparer.OrdinalIgnoreCase))
                errors.Add(category.Path, $"must be one of {string.Join(", ", Enum.GetNames<LogLevel>())} (got '{category.Value}')");
        }
    }
}
