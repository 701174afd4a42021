namespace Ogrt.Outputs.Sdk.Configuration;

/// <summary>An optional setting that, when given, must be an absolute http:// or https:// URL.</summary>
public sealed class HttpUrlSettingAttribute : SettingAttribute
{
    protected override string? Check(object? value) =>
        value is not string text || string.IsNullOrWhiteSpace(text) ? null : HttpUrl.Problem(text);
}
