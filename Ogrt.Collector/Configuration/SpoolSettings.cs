namespace Ogrt.Collector.Configuration;

/// <summary>The validated <c>Outputs:&lt;Name&gt;:Spool</c> section of an output whose spool is enabled.</summary>
public sealed record SpoolSettings
{
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Below this a single large record (up to ~100 KB encoded) might never fit.</summary>
    public const long MinMaxBytes = 1L << 20;

    /// <summary>Where the segment files are; one directory per output.</summary>
    public required string Directory { get; init; }

    /// <summary>Bytes of records held on disk at most; beyond it the output's OverflowPolicy applies.</summary>
    public required long MaxBytes { get; init; }
}
