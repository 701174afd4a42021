using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Ogrt.Outputs.Sdk.Configuration;

/// <summary>
/// Binds a configuration section to an options class with the configuration binder (its source
/// generator, at the caller) and validates it with a generated <c>[OptionsValidator]</c>,
/// reporting every problem of the section, each naming its full key, instead of the first.
/// </summary>
/// <remarks>
/// The binder stops at the first key it cannot convert or does not know
/// (<see cref="BinderOptions.ErrorOnUnknownConfiguration"/>); this class records that key's
/// error, leaves the key out and binds again until the rest binds. Two rules the binder does
/// not have are checked first, as the collector has always had them: a duration must be
/// written <c>hh:mm:ss</c> (TimeSpan would read "30" as 30 days) and an enum by its name (not
/// its number).
/// </remarks>
public static partial class SectionBinder
{
    /// <summary>The binder options for every section: a key no property reads is an error.</summary>
    public static readonly Action<BinderOptions> Strict = options => options.ErrorOnUnknownConfiguration = true;

    /// <summary>
    /// Binds <paramref name="section"/> to a new <typeparamref name="T"/> and validates it; each
    /// problem goes to <paramref name="errors"/>. Values that could not be bound keep their defaults.
    /// </summary>
    /// <param name="bind">The call to the binder, written where <typeparamref name="T"/> is known so the
    /// source generator binds it: <c>static (section, options) =&gt; section.Bind(options, SectionBinder.Strict)</c>.</param>
    public static T Bind<T>(IConfigurationSection section, ConfigurationErrors errors, Action<IConfiguration, T> bind, IValidateOptions<T>? validator)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(bind);
        var values = section.AsEnumerable()
            .Where(setting => setting.Value is not null && setting.Key.Length > section.Path.Length)
            .ToDictionary(setting => setting.Key, setting => setting.Value, StringComparer.OrdinalIgnoreCase);
        CheckFormats(typeof(T), section.Path, values, errors);

        var options = new T();
        // Each failed attempt leaves out at least one key, so this many attempts always suffice.
        int attempts = values.Count + 1;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            options = new T();
            var copy = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(section.Path);
            try
            {
                bind(copy, options);
                break;
            }
            catch (InvalidOperationException e)
            {
                string? key = RecordBindingError(e, typeof(T), section.Path, values, errors);
                if (key is null)
                    break;
                foreach (string bad in values.Keys.Where(candidate => IsAtOrBelow(candidate, key)).ToList())
                    values.Remove(bad);
            }
        }
        if (validator is not null)
            Validate(section.Path, options, validator, errors);
        return options;
    }

    /// <summary>Runs a generated validator on an already bound object found at <paramref name="path"/>.</summary>
    public static void Validate<T>(string path, T options, IValidateOptions<T> validator, ConfigurationErrors errors)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(errors);
        var result = validator.Validate(path, options);
        if (result.Failed)
            errors.AddRange(result.Failures ?? [result.FailureMessage]);
    }

    /// <summary>The configuration keys an options class reads: its public settable properties.</summary>
    public static IReadOnlyList<string> KeysOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return [.. BindableProperties(type).Select(property => property.Name)];
    }

    /// <summary>
    /// The part of <paramref name="section"/> whose top-level keys are not in <paramref name="taken"/>,
    /// as a section with the same path: what is left for a plugin once the collector took its keys.
    /// </summary>
    public static IConfigurationSection Without(IConfigurationSection section, IReadOnlyCollection<string> taken)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(taken);
        var rest = section.GetChildren()
            .Where(child => !taken.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            .SelectMany(child => child.AsEnumerable())
            .Where(setting => setting.Value is not null);
        return new ConfigurationBuilder().AddInMemoryCollection(rest).Build().GetSection(section.Path);
    }

    private static void CheckFormats(Type type, string path, Dictionary<string, string?> values, ConfigurationErrors errors)
    {
        foreach (var property in BindableProperties(type))
        {
            string key = $"{path}:{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (propertyType.IsClass && propertyType != typeof(string) && !propertyType.IsAssignableTo(typeof(System.Collections.IEnumerable)))
            {
                CheckFormats(propertyType, key, values, errors);
                continue;
            }
            var stored = values.Keys.FirstOrDefault(candidate => string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase));
            if (stored is null || string.IsNullOrWhiteSpace(values[stored]))
                continue;
            string text = values[stored]!.Trim();
            string? problem = propertyType == typeof(TimeSpan) && !text.Contains(':', StringComparison.Ordinal)
                ? $"'{text}' is not a duration like 00:00:30 (hh:mm:ss)"
                : propertyType.IsEnum && !Enum.GetNames(propertyType).Contains(text, StringComparer.OrdinalIgnoreCase)
                    ? $"'{text}' is not one of {string.Join(", ", Enum.GetNames(propertyType))}"
                    : null;
            if (problem is not null)
            {
                errors.Add(stored, problem);
                values.Remove(stored);
            }
            else
            {
                values[stored] = text;
            }
        }
    }

    /// <summary>Records the error the binder threw and returns the key to leave out, or null if it names none.</summary>
    private static string? RecordBindingError(InvalidOperationException error, Type type, string path, Dictionary<string, string?> values, ConfigurationErrors errors)
    {
        var conversion = ConversionError().Match(error.Message);
        if (conversion.Success)
        {
            string key = conversion.Groups["key"].Value;
            errors.Add(key, $"'{conversion.Groups["value"].Value}' is not {Describe(conversion.Groups["type"].Value)}");
            return key;
        }
        var unknown = UnknownKeysError().Match(error.Message);
        if (unknown.Success)
        {
            string name = unknown.Groups["names"].Value.Split(", ")[0].Trim('\'');
            string? key = FindKey(path, name, values);
            if (key is not null)
            {
                var known = KeysOf(TypeAt(type, key[(path.Length + 1)..].Split(':')[..^1]) ?? type);
                errors.Add(key, $"is not a known setting (known: {string.Join(", ", known)})");
                return key;
            }
        }
        errors.Add(path, error.Message);
        return null;
    }

    /// <summary>The shallowest key below <paramref name="path"/> whose last part is <paramref name="name"/>.</summary>
    private static string? FindKey(string path, string name, Dictionary<string, string?> values) =>
        values.Keys
            .Select(key => key[(path.Length + 1)..].Split(':'))
            .Select(parts => Array.FindIndex(parts, part => string.Equals(part, name, StringComparison.OrdinalIgnoreCase)) is var at and >= 0
                ? $"{path}:{string.Join(':', parts[..(at + 1)])}"
                : null)
            .Where(key => key is not null)
            .OrderBy(key => key!.Length)
            .FirstOrDefault();

    private static Type? TypeAt(Type root, string[] parts)
    {
        Type? type = root;
        foreach (string part in parts)
            type = type is null ? null : BindableProperties(type).FirstOrDefault(property => string.Equals(property.Name, part, StringComparison.OrdinalIgnoreCase))?.PropertyType;
        return type;
    }

    private static bool IsAtOrBelow(string candidate, string key) =>
        string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase)
        || candidate.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase);

    private static string Describe(string typeName) => typeName switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.Double" => "a number",
        _ => $"a valid {typeName[(typeName.LastIndexOf('.') + 1)..]}",
    };

    private static IEnumerable<PropertyInfo> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.SetMethod?.IsPublic == true);

    [GeneratedRegex(@"Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex ConversionError();

    [GeneratedRegex(@"properties were not found on the instance of [^:]+: (?<names>.+)$", RegexOptions.Singleline)]
    private static partial Regex UnknownKeysError();
}
