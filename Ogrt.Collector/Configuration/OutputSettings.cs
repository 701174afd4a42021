namespace Ogrt.Collector.Configuration;

/// <summary>The validated pipeline settings of one <c>Outputs:&lt;Name&gt;</c> section.</summary>
public sealed record OutputSettings
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required int Workers { get; init; }
    public required int QueueCapacity { get; init; }
    public required int BatchSize { get; init; }
    public required TimeSpan BatchInterval { get; init; }
    public required TimeSpan RetryInitialDelay { get; init; }
    public required TimeSpan RetryMaxDelay { get; init; }
    public required OverflowPolicy OverflowPolicy { get; init; }

    /// <summary>How long <see cref="OverflowPolicy.Block"/> waits for room.</summary>
    public required TimeSpan BlockTimeout { get; init; }

    /// <summary>The disk spool behind the memory queue; null when <c>Spool:Enabled</c> is false.</summary>
    public SpoolSettings? Spool { get; init; }
}
