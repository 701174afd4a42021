using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Decoding;
using Ogrt.Collector.Dispatching;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Plugins;
using Ogrt.Collector.Receiving;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Hosting;

/// <summary>
/// Builds the collector's host: configuration sources, validation, services, plugin loading.
/// <c>Program</c> and the tests use this same code.
/// </summary>
public static class CollectorHost
{
    /// <summary>The machine-wide configuration file, read after the one next to the binary.</summary>
    public const string SystemConfigurationFile = "/etc/ogrt/appsettings.json";

    /// <summary>Prefix of environment variables that override settings, e.g. OGRT_Collector__Port.</summary>
    public const string EnvironmentPrefix = "OGRT_";

    private const string OpenTelemetryPrefix = "OTEL_";

    /// <summary>
    /// Builds a collector that is ready to run: configuration validated, plugins loaded, UDP
    /// socket bound. Throws <see cref="CollectorConfigurationException"/> for anything an
    /// operator must fix; so does starting the host, for what the outputs refuse when
    /// <see cref="OutputDispatcher"/> creates them.
    /// </summary>
    /// <param name="args">Command-line arguments: <c>--config FILE</c> replaces
    /// <see cref="SystemConfigurationFile"/>; <c>--Section:Key=value</c> overrides a setting.</param>
    /// <param name="contentRoot">Where appsettings.json and relative paths are; default: the binary's directory.</param>
    /// <param name="configureServices">Adds services, e.g. built-in <see cref="IOutputFactory"/>s.</param>
    public static async Task<IHost> BuildAsync(
        string[] args,
        string? contentRoot = null,
        Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        string binaryDirectory = AppContext.BaseDirectory;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = contentRoot ?? binaryDirectory,
        });
        AddConfigurationSources(builder.Configuration, builder.Environment.ContentRootPath, args);

        var configuration = CollectorConfiguration.Load(
            builder.Configuration, builder.Environment.ContentRootPath, binaryDirectory, Environment.GetEnvironmentVariable("STATE_DIRECTORY"));

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddConsole();
        builder.Services.AddSystemdIntegration(Environment.GetEnvironmentVariable);
        builder.Services.Configure<HostOptions>(options =>
        {
            // The dispatcher enforces Collector:ShutdownTimeout itself; the margin covers
            // stopping the receiver and draining decoding before it.
            options.ShutdownTimeout = configuration.Collector.ShutdownTimeout + TimeSpan.FromSeconds(10);
        });
        AddCollectorServices(builder.Services, configuration);
        configureServices?.Invoke(builder.Services);

        var host = builder.Build();
        OpenFilesLimit.WarnIfLow(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenFilesLimit)), OpenFilesLimit.Current());
        try
        {
            host.Services.GetRequiredService<UdpReceiver>().Bind();
            // Loads the plugins, so that an error there stops the build, before the host starts.
            host.Services.GetRequiredService<OutputPluginCatalog>();
        }
        catch
        {
            await DisposeAsync(host).ConfigureAwait(false);
            throw;
        }
        return host;
    }

    private static void AddConfigurationSources(ConfigurationManager configuration, string contentRoot, string[] args)
    {
        // --config FILE (or OGRT_CONFIG) names the machine-wide file, e.g. for tests or a second instance.
        string? explicitFile = new ConfigurationBuilder()
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args)
            .Build()["config"];
        if (explicitFile is not null && !File.Exists(explicitFile))
            throw new CollectorConfigurationException($"--config: the configuration file {explicitFile} does not exist");

        var site = ReadJsonFile(explicitFile is null ? SystemConfigurationFile : Path.GetFullPath(explicitFile));
        AddShippedDefaults(configuration, ReadJsonFile(Path.Combine(contentRoot, "appsettings.json")), site, args);
        configuration.AddConfiguration(site);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        // OpenTelemetry reads its standard variables (OTEL_EXPORTER_OTLP_ENDPOINT,
        // OTEL_METRIC_EXPORT_INTERVAL, OTEL_RESOURCE_ATTRIBUTES…) from the host's configuration.
        configuration.AddInMemoryCollection(Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .Select(variable => (Name: (string)variable.Key, Value: (string?)variable.Value))
            .Where(variable => variable.Name.StartsWith(OpenTelemetryPrefix, StringComparison.Ordinal))
            .Select(variable => KeyValuePair.Create(variable.Name, variable.Value)));
        configuration.AddCommandLine(args);
    }

    /// <summary>
    /// Adds the shipped defaults (appsettings.json next to the binary). Its outputs apply only
    /// while no other source names an output: an operator who configures their own outputs
    /// gets exactly those, not the shipped File output besides them (which they could not
    /// remove from the command line). An output the other sources name keeps its shipped settings.
    /// </summary>
    private static void AddShippedDefaults(ConfigurationManager configuration, IConfiguration shipped, IConfiguration site, string[] args)
    {
        var overrides = new ConfigurationBuilder()
            .AddConfiguration(site)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args)
            .Build();
        var namedOutputs = overrides.GetSection(CollectorConfiguration.OutputsSection).GetChildren()
            .Select(output => output.Key)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        configuration.AddInMemoryCollection(shipped.AsEnumerable()
            .Where(setting => setting.Value is not null && (namedOutputs.Count == 0 || !IsOutputOtherThan(setting.Key, namedOutputs))));
    }

    private static bool IsOutputOtherThan(string key, HashSet<string> outputs)
    {
        string[] parts = key.Split(ConfigurationPath.KeyDelimiter);
        return parts.Length >= 2
               && string.Equals(parts[0], CollectorConfiguration.OutputsSection, StringComparison.OrdinalIgnoreCase)
               && !outputs.Contains(parts[1]);
    }

    private static IConfigurationRoot ReadJsonFile(string path)
    {
        try
        {
            return new ConfigurationBuilder().AddJsonFile(path, optional: true, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new CollectorConfigurationException($"{path}: cannot read the configuration: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    private static void AddCollectorServices(IServiceCollection services, CollectorConfiguration configuration)
    {
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(configuration);
        services.AddSingleton(configuration.Collector);
        services.AddSingleton(configuration.Metrics);
        services.AddSingleton<CollectorMetrics>();
        services.AddSingleton(provider => OutputPluginCatalog.Load(
            configuration.Collector.PluginsDirectory,
            provider.GetServices<IOutputFactory>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<OutputPluginCatalog>()));
        services.AddSingleton<ReceiveQueue>();
        services.AddSingleton<MalformedDatagramReporter>();
        services.AddSingleton<OutputDispatcher>();
        services.AddSingleton<DecodeLoop>();
        services.AddSingleton<UdpReceiver>();

        // Started in this order and stopped in reverse: the receiver stops first, decoding
        // drains what it accepted, then the outputs flush.
        services.AddHostedService(provider => provider.GetRequiredService<OutputDispatcher>());
        services.AddHostedService(provider => provider.GetRequiredService<DecodeLoop>());
        services.AddHostedService(provider => provider.GetRequiredService<UdpReceiver>());

        services.AddCollectorMetricsExport(configuration.Metrics);
    }

    private static async ValueTask DisposeAsync(IHost host)
    {
        if (host is IAsyncDisposable asyncDisposable)
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        else
            host.Dispose();
    }
}
