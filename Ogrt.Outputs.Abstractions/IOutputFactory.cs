namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// The entry point of an output plugin. The collector finds every public, non-abstract
/// implementation with a parameterless constructor in <c>plugins/&lt;Plugin&gt;/&lt;Plugin&gt;.dll</c>
/// and creates one output per configured <c>Outputs:&lt;Name&gt;</c> section whose <c>Type</c>
/// equals <see cref="Type"/> (case-insensitive).
/// </summary>
public interface IOutputFactory
{
    /// <summary>The value of <c>Outputs:&lt;Name&gt;:Type</c> that selects this plugin, e.g. "File".</summary>
    string Type { get; }

    /// <summary>
    /// Creates an output from its configuration. <see cref="OutputContext.Configuration"/> holds
    /// the plugin's settings only (the collector took its pipeline settings such as
    /// <c>Workers</c>), so any key the plugin does not read is a mistake, e.g. a typo such as
    /// <c>Rotaton</c>: throw <see cref="OutputConfigurationException"/> listing every unknown or
    /// invalid setting (Ogrt.Outputs.Sdk's <c>SectionBinder</c> does this).
    /// </summary>
    IOutput Create(OutputContext context);
}
