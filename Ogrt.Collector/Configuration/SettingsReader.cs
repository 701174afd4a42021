using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Ogrt.Collector.Configuration;

/// <summary>
/// Reads typed settings from configuration and collects one message per bad key instead of
/// stopping at the first, so an operator fixes the whole file in one go.
/// </summary>
internal sealed class SettingsReader
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void AddError(string message) => _errors.Add(message);

    /// <summary>Throws a <see cref="CollectorConfigurationException"/> listing every error so far.</summary>
    public void ThrowIfAnyErrors()
    {
        if (_errors.Count > 0)
            throw new CollectorConfigurationException(_errors.ToArray());
    }

    public int ReadInt(IConfiguration section, string key, int defaultValue, int min, int max) =>
        (int)ReadLong(section, key, defaultValue, min, max);

    public long ReadLong(IConfiguration section, string key, long defaultValue, long min, long max)
    {
        string? text = section[key];
        if (string.IsNullOrWhiteSpace(text))
            return defaultValue;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
            && value >= min && value <= max)
            return value;
        _errors.Add($"{KeyOf(section, key)} must be between {min} and {max} (got '{text}')");
        return defaultValue;
    }

    public int? ReadOptionalInt(IConfiguration section, string key, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(section[key]))
            return null;
        return ReadInt(section, key, min, min, max);
    }

    /// <summary>
    /// Reads a duration written as a TimeSpan ("00:00:05", "00:00:00.250"). A bare number is
    /// refused because TimeSpan would read "5" as five days.
    /// </summary>
    public TimeSpan ReadDuration(IConfiguration section, string key, TimeSpan defaultValue, TimeSpan min, TimeSpan max)
    {
        string? text = section[key];
        if (string.IsNullOrWhiteSpace(text))
            return defaultValue;
        if (text.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max)
            return value;
        _errors.Add($"{KeyOf(section, key)} must be a duration like 00:00:05 between {min:c} and {max:c} (got '{text}')");
        return defaultValue;
    }

    public bool ReadBool(IConfiguration section, string key, bool defaultValue)
    {
        string? text = section[key];
        if (string.IsNullOrWhiteSpace(text))
            return defaultValue;
        if (bool.TryParse(text, out bool value))
            return value;
        _errors.Add($"{KeyOf(section, key)} must be true or false (got '{text}')");
        return defaultValue;
    }

    public TEnum ReadEnum<TEnum>(IConfiguration section, string key, TEnum defaultValue)
        where TEnum : struct, Enum
    {
        string? text = section[key];
        if (string.IsNullOrWhiteSpace(text))
            return defaultValue;
        // Names only: Enum.TryParse would also take "1" or "DropNewest,Block".
        foreach (var name in Enum.GetNames<TEnum>())
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
                return Enum.Parse<TEnum>(name);
        }
        _errors.Add($"{KeyOf(section, key)} must be one of {string.Join(", ", Enum.GetNames<TEnum>())} (got '{text}')");
        return defaultValue;
    }

    /// <summary>
    /// Reports keys of a section that nothing reads: a typo such as <c>Collector:Prot</c> would
    /// otherwise be ignored silently and the default used.
    /// </summary>
    public void RejectUnknownKeys(IConfigurationSection section, IReadOnlyCollection<string> knownKeys)
    {
        foreach (var child in section.GetChildren())
        {
            if (!knownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                _errors.Add($"{child.Path} is not a known setting (known: {string.Join(", ", knownKeys)})");
        }
    }

    public static string KeyOf(IConfiguration section, string key) =>
        section is IConfigurationSection named ? $"{named.Path}:{key}" : key;
}
