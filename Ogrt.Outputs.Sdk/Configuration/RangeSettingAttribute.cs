using System.Globalization;

namespace Ogrt.Outputs.Sdk.Configuration;

/// <summary>A whole-number setting (int or long, nullable allowed) between two bounds, both included.</summary>
public sealed class RangeSettingAttribute(long minimum, long maximum) : SettingAttribute
{
    public long Minimum { get; } = minimum;

    public long Maximum { get; } = maximum;

    protected override string? Check(object? value)
    {
        if (value is null)
            return null;
        long number = Convert.ToInt64(value, CultureInfo.InvariantCulture);
        return number >= Minimum && number <= Maximum ? null : $"must be between {Minimum} and {Maximum} (got {number})";
    }
}
