using Microsoft.Extensions.Options;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>
/// The pipeline settings of one <c>Outputs:&lt;Name&gt;</c> section: the keys the collector reads;
/// the section's other keys belong to the output's plugin.
/// </summary>
public sealed record OutputOptions
{
    /// <summary>128 MiB: with the receive queue's 256 MiB, one output stays within the documented 640 MiB budget (docs/collector.md, Memory).</summary>
    public const long DefaultQueueBytes = 128L << 20;

    /// <summary>The output's name, the <c>&lt;Name&gt;</c> in <c>Outputs:&lt;Name&gt;</c> (not a setting).</summary>
    public string Name { get; init; } = "";

    /// <summary>The output plugin, e.g. File.</summary>
    [RequiredSetting("the output plugin, e.g. File")]
    public string? Type { get; set; }

    [RangeSetting(1, 64)]
    public int Workers { get; set; } = 2;

    [RangeSetting(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>Approximate bytes of decoded records held in memory at most, queued or being written.</summary>
    [RangeSetting(1 << 20, long.MaxValue)]
    public long QueueBytes { get; set; } = DefaultQueueBytes;

    [RangeSetting(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    [DurationSetting("00:00:00.001", "01:00:00")]
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromSeconds(1);

    [DurationSetting("00:00:00.001", "01:00:00")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [DurationSetting("00:00:00.001", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.DropNewest;

    /// <summary>How long <see cref="OverflowPolicy.Block"/> waits for room.</summary>
    [DurationSetting("00:00:00.001", "00:10:00")]
    public TimeSpan BlockTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The disk spool behind the memory queue.</summary>
#pragma warning disable SYSLIB1212 // Validated on its own (SpoolOptionsValidator) so its errors name Spool:<Key>.
    public SpoolOptions Spool { get; set; } = new();
#pragma warning restore SYSLIB1212
}

/// <summary>Checks the attributes of <see cref="OutputOptions"/> (generated).</summary>
[OptionsValidator]
internal sealed partial class OutputOptionsValidator : IValidateOptions<OutputOptions>;
