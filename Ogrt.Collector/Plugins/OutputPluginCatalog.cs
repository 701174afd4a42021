using System.Reflection;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Configuration;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Plugins;

/// <summary>
/// The output types the collector can create: every <see cref="IOutputFactory"/> found in
/// <c>&lt;PluginsDirectory&gt;/&lt;Plugin&gt;/&lt;Plugin&gt;.dll</c>, plus any registered in the host itself.
/// </summary>
public sealed partial class OutputPluginCatalog
{
    /// <summary>
    /// Types whose assemblies (and their dependencies) the plugins share with the host, so an
    /// <see cref="IOutputFactory"/> from a plugin is the host's <see cref="IOutputFactory"/>.
    /// </summary>
    private static readonly Type[] SharedTypes =
    [
        typeof(IOutputFactory),
        typeof(Ogrt.Outputs.Sdk.Configuration.SectionBinder),
        typeof(IConfiguration),
        typeof(ILogger),
    ];

    private readonly Dictionary<string, (IOutputFactory Factory, string Origin)> _factories;

    private OutputPluginCatalog(Dictionary<string, (IOutputFactory, string)> factories, string pluginsDirectory)
    {
        _factories = factories;
        PluginsDirectory = pluginsDirectory;
    }

    public string PluginsDirectory { get; }

    /// <summary>The output types available, e.g. "File".</summary>
    public IReadOnlyCollection<string> Types => _factories.Keys;

    /// <summary>
    /// Loads every plugin in <paramref name="pluginsDirectory"/>. A plugin folder without its
    /// assembly, an assembly that cannot be loaded, a plugin without a factory, or two plugins
    /// claiming the same type all fail the start with a message naming the folder.
    /// </summary>
    public static OutputPluginCatalog Load(string pluginsDirectory, IEnumerable<IOutputFactory> builtInFactories, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(builtInFactories);
        var factories = new Dictionary<string, (IOutputFactory, string)>(StringComparer.OrdinalIgnoreCase);
        var errors = new List<string>();
        foreach (var factory in builtInFactories)
            Register(factories, errors, factory, "the collector");

        if (Directory.Exists(pluginsDirectory))
        {
            foreach (string folder in Directory.GetDirectories(pluginsDirectory).Order(StringComparer.Ordinal))
                LoadPlugin(folder, factories, errors, logger);
        }
        else
        {
            LogNoPluginsDirectory(logger, pluginsDirectory);
        }

        if (errors.Count > 0)
            throw new CollectorConfigurationException(errors);
        return new OutputPluginCatalog(factories, pluginsDirectory);
    }

    /// <summary>The factory for an output type; throws naming the key if no plugin provides it.</summary>
    public IOutputFactory FactoryFor(OutputOptions output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Type is not null && _factories.TryGetValue(output.Type, out var entry))
            return entry.Factory;
        string available = _factories.Count == 0 ? "none" : string.Join(", ", _factories.Keys.Order(StringComparer.Ordinal));
        throw new CollectorConfigurationException(
            $"Outputs:{output.Name}:Type: '{output.Type}' is not provided by any plugin in {PluginsDirectory} (available: {available})");
    }

    private static void LoadPlugin(string folder, Dictionary<string, (IOutputFactory, string)> factories, List<string> errors, ILogger logger)
    {
        string name = Path.GetFileName(folder);
        string assemblyPath = Path.Combine(folder, name + ".dll");
        if (!File.Exists(assemblyPath))
        {
            errors.Add($"Plugin folder {folder} has no {name}.dll (each plugin lives in plugins/<Name>/<Name>.dll)");
            return;
        }

        Type[] types;
        try
        {
            var loader = PluginLoader.CreateFromAssemblyFile(assemblyPath, SharedTypes, config => config.PreferSharedTypes = true);
            types = loader.LoadDefaultAssembly().GetExportedTypes();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException
                                      or ReflectionTypeLoadException or TypeLoadException or InvalidOperationException)
        {
            errors.Add($"Plugin {assemblyPath} failed to load: {e.Message}");
            return;
        }

        int found = 0;
        foreach (var type in types)
        {
            if (!type.IsClass || type.IsAbstract || !typeof(IOutputFactory).IsAssignableFrom(type)
                || type.GetConstructor(Type.EmptyTypes) is null)
                continue;
            IOutputFactory factory;
            try
            {
                factory = (IOutputFactory)Activator.CreateInstance(type)!;
            }
            catch (TargetInvocationException e)
            {
                errors.Add($"Plugin {assemblyPath}: {type.FullName} failed to construct: {e.InnerException?.Message ?? e.Message}");
                continue;
            }
            Register(factories, errors, factory, assemblyPath);
            LogLoaded(logger, factory.Type, assemblyPath);
            found++;
        }
        if (found == 0)
        {
            // A type-identity mismatch (the plugin carrying its own copy of the contract) ends up here too.
            errors.Add($"Plugin {assemblyPath} has no public {nameof(IOutputFactory)} with a parameterless constructor"
                       + $" (is it built against this collector's {typeof(IOutputFactory).Assembly.GetName().Name}?)");
        }
    }

    private static void Register(Dictionary<string, (IOutputFactory, string)> factories, List<string> errors, IOutputFactory factory, string origin)
    {
        if (string.IsNullOrWhiteSpace(factory.Type))
        {
            errors.Add($"{factory.GetType().FullName} from {origin} has an empty output type");
            return;
        }
        if (factories.TryGetValue(factory.Type, out var existing))
        {
            errors.Add($"Output type '{factory.Type}' is provided twice: by {existing.Item2} and by {origin}");
            return;
        }
        factories.Add(factory.Type, (factory, origin));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded output type {Type} from {Assembly}")]
    private static partial void LogLoaded(ILogger logger, string type, string assembly);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plugins directory {Directory} does not exist; only built-in output types are available")]
    private static partial void LogNoPluginsDirectory(ILogger logger, string directory);
}
