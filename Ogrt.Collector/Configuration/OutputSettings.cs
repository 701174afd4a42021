namespace Ogrt.Collector.Configuration;

/// <summary>The validated pipeline settings of one <c>Outputs:&lt;Name&gt;</c> section.</summary>
public sealed record OutputSettings
{
    /// <summary>128 MiB: with the receive queue's 256 MiB, one output stays within the documented 640 MiB budget (docs/collector.md, Memory).</summary>
    public const long DefaultQueueBytes = 128L << 20;

    public required string Name { get; init; }
    public required string Type { get; init; }
    public required int Workers { get; init; }
    public required int QueueCapacity { get; init; }

    /// <summary>Approximate bytes of decoded records held in memory at most, queued or being written.</summary>
    public required long QueueBytes { get; init; }
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
