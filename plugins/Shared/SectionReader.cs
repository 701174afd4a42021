using System.Globalization;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.Shared;

/// <summary>
/// Reads typed settings from an output's configuration section; every invalid value becomes an
/// <see cref="OutputConfigurationException"/> naming the full key.
/// </summary>
internal sealed class SectionReader(OutputContext context)
{
    public OutputContext Context { get; } = context;

    public string KeyOf(string setting) => Context.KeyOf(setting);

    public OutputConfigurationException Error(string setting, string message) => new(KeyOf(setting), message);

    /// <summary>The trimmed value, or null when the setting is absent or blank.</summary>
    public string? GetString(string setting)
    {
        string? value = Context.Configuration[setting];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string GetRequiredString(string setting) =>
        GetString(setting) ?? throw Error(setting, "is required");

    public bool GetBool(string setting, bool defaultValue)
    {
        string? value = GetString(setting);
        if (value is null)
            return defaultValue;
        return bool.TryParse(value, out bool result)
            ? result
            : throw Error(setting, $"'{value}' is not true or false");
    }

    public int GetInt(string setting, int defaultValue, int minimum, int maximum)
    {
        string? value = GetString(setting);
        if (value is null)
            return defaultValue;
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int result))
            throw Error(setting, $"'{value}' is not an integer");
        if (result < minimum || result > maximum)
            throw Error(setting, $"{result} is outside the allowed range {minimum}..{maximum}");
        return result;
    }

    /// <summary>
    /// A duration as the collector's own settings write it, <c>hh:mm:ss[.fffffff]</c> (e.g.
    /// <c>"00:00:30"</c>). A bare number is refused: .NET would read "30" as 30 days.
    /// </summary>
    public TimeSpan GetDuration(string setting, TimeSpan defaultValue, TimeSpan minimum, TimeSpan maximum)
    {
        string? value = GetString(setting);
        if (value is null)
            return defaultValue;
        if (!value.Contains(':') || !TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var result))
            throw Error(setting, $"'{value}' is not a duration like 00:00:30 (hh:mm:ss)");
        if (result < minimum || result > maximum)
            throw Error(setting, $"{value} is outside the allowed range {minimum:c}..{maximum:c}");
        return result;
    }

    /// <summary>An absolute http or https URL.</summary>
    public Uri ParseHttpUrl(string setting, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw Error(setting, $"'{value}' is not an absolute http:// or https:// URL");
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw Error(setting, "must not contain credentials; use the output's authentication settings");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw Error(setting, $"'{value}' must not have a query or fragment");
        // A trailing slash lets relative request paths ("_bulk") append to a path prefix (proxies).
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    /// <summary>
    /// The values of a list setting with the key of each, accepting either an array
    /// (<c>Nodes:0</c>, <c>Nodes:1</c>…) or one comma-separated string.
    /// </summary>
    public IReadOnlyList<(string Key, string Value)> GetList(string setting)
    {
        var section = Context.Configuration.GetSection(setting);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return section.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(value => (setting, value))
                .ToList();
        }
        return section.GetChildren()
            .Where(child => !string.IsNullOrWhiteSpace(child.Value))
            .Select(child => ($"{setting}:{child.Key}", child.Value!.Trim()))
            .ToList();
    }
}
