using System.Globalization;

namespace Ogrt.Outputs.Sdk.Configuration;

/// <summary>A duration setting between two bounds, both included, written like <c>00:00:30</c>.</summary>
public sealed class DurationSettingAttribute(string minimum, string maximum) : SettingAttribute
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    protected override string? Check(object? value) =>
        value is not TimeSpan duration || (duration >= Minimum && duration <= Maximum)
            ? null
            : $"must be a duration like 00:00:05 between {Minimum:c} and {Maximum:c} (got {duration:c})";
}
