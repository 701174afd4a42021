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
    /// Creates an output from its configuration. Throw <see cref="OutputConfigurationException"/>
    /// for invalid settings.
    /// </summary>
    IOutput Create(OutputContext context);
}
