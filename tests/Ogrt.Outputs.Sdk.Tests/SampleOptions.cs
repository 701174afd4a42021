using Microsoft.Extensions.Options;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Outputs.Sdk.Tests;

public enum SampleMode
{
    Fast,
    Safe,
}

/// <summary>Options shaped like a plugin's: numbers, a duration, an enum, a flag and a nested section.</summary>
public sealed class SampleOptions
{
    [RangeSetting(1, 64)]
    public int Workers { get; set; } = 2;

    [DurationSetting("00:00:00.010", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public SampleMode Mode { get; set; } = SampleMode.Safe;

    public bool Gzip { get; set; }

    [RequiredSetting("where records go")]
    public string? Url { get; set; }

#pragma warning disable SYSLIB1212 // Validated on its own, as the collector does with Spool.
    public SampleLimits Limits { get; set; } = new();
#pragma warning restore SYSLIB1212
}

public sealed class SampleLimits
{
    [RangeSetting(0, 1000)]
    public long MaxBytes { get; set; } = 100;
}

[OptionsValidator]
public sealed partial class SampleOptionsValidator : IValidateOptions<SampleOptions>;

[OptionsValidator]
public sealed partial class SampleLimitsValidator : IValidateOptions<SampleLimits>;
