using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Ogrt.Outputs.Abstractions;

/// <summary>What the collector gives a plugin to create one configured output.</summary>
public sealed class OutputContext
{
    /// <summary>The output's name, the <c>&lt;Name&gt;</c> in <c>Outputs:&lt;Name&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The plugin's settings: the <c>Outputs:&lt;Name&gt;</c> section without the keys the
    /// collector's pipeline reads (<c>Type</c>, <c>Workers</c>, <c>Spool</c>…).
    /// </summary>
    public required IConfigurationSection Configuration { get; init; }

    public required ILogger Logger { get; init; }

    /// <summary>
    /// The collector's meter. Instruments a plugin creates here are exported with the
    /// collector's own; tag every measurement with <see cref="MetricTags"/>.
    /// </summary>
    public required Meter Meter { get; init; }

    /// <summary>Tags that identify this output in metrics (<c>output</c> = name, <c>type</c>).</summary>
    public required TagList MetricTags { get; init; }

    /// <summary>
    /// A writable directory for the output's own state (dead letters, spool files), created
    /// by the collector. Relative paths in the output's settings are resolved against the
    /// collector's content root, not this directory.
    /// </summary>
    public required string StateDirectory { get; init; }

    /// <summary>The directory that relative paths in configuration are resolved against.</summary>
    public required string ContentRoot { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Resolves a path from configuration: absolute paths as they are, relative ones against
    /// <see cref="ContentRoot"/>.
    /// </summary>
    public string ResolvePath(string path) => Path.GetFullPath(path, ContentRoot);

    /// <summary>The full configuration key of a setting of this output, for error messages.</summary>
    public string KeyOf(string setting) => $"{Configuration.Path}:{setting}";
}
