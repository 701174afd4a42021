namespace Ogrt.Outputs.Sdk.Configuration;

/// <summary>A setting that must be present and not blank; <paramref name="what"/> tells what it is for.</summary>
public sealed class RequiredSettingAttribute(string what) : SettingAttribute
{
    public string What { get; } = what;

    protected override string? Check(object? value) =>
        value is null || (value is string text && string.IsNullOrWhiteSpace(text)) ? $"is required: {What}" : null;
}
