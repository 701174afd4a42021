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
    /// The settings of <c>Outputs:&lt;Name&gt;</c> this plugin reads: top-level keys, so <c>Nodes</c>
    /// covers <c>Nodes:0</c>. The collector refuses any other key besides its own pipeline
    /// settings (<c>Workers</c>, <c>Spool</c>…), so a typo such as <c>BatchSzie</c> stops the start
    /// instead of being ignored.
    /// </summary>
    IReadOnlyCollection<string> Settings { get; }

    /// <summary>
    /// Creates an output from its configuration. Throw <see cref="OutputConfigurationException"/>
    /// for invalid settings.
    /// </summary>
    IOutput Create(OutputContext context);
}
