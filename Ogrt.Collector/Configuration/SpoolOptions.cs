using Microsoft.Extensions.Options;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>The <c>Outputs:&lt;Name&gt;:Spool</c> section: the disk spool behind an output's memory queue.</summary>
public sealed record SpoolOptions
{
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Below this a single large record (up to ~100 KB encoded) might never fit.</summary>
    public const long MinMaxBytes = 1L << 20;

    public bool Enabled { get; set; }

    /// <summary>Where the segment files are; one directory per output. Absolute once loaded (default: &lt;StateDirectory&gt;/spool/&lt;Name&gt;).</summary>
    public string Directory { get; set; } = "";

    /// <summary>Bytes of records held on disk at most; beyond it the output's OverflowPolicy applies.</summary>
    [RangeSetting(MinMaxBytes, long.MaxValue)]
    public long MaxBytes { get; set; } = DefaultMaxBytes;
}

/// <summary>Checks the attributes of <see cref="SpoolOptions"/> (generated).</summary>
[OptionsValidator]
internal sealed partial class SpoolOptionsValidator : IValidateOptions<SpoolOptions>;
