using System.Globalization;
using System.Text;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// An index name with date parts in braces, e.g. <c>ogrt-{yyyy.MM.dd}</c>: the braces hold a
/// .NET date format applied to the time the collector received the record, in UTC.
/// </summary>
internal sealed class IndexNamePattern
{
    private static readonly char[] ForbiddenCharacters = ['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];

    // The pattern as one .NET custom format string with the literal parts escaped.
    private readonly string _format;

    private IndexNamePattern(string pattern, string format, string literalPrefix)
    {
        Pattern = pattern;
        _format = format;
        TemplatePattern = literalPrefix + "*";
    }

    public string Pattern { get; }

    /// <summary>The index pattern an index template matches, e.g. <c>ogrt-*</c>.</summary>
    public string TemplatePattern { get; }

    public string Format(long unixSeconds)
    {
        var time = DateTime.UnixEpoch.AddSeconds(Math.Clamp(unixSeconds, 0, 253_402_300_799));
        return time.ToString(_format, CultureInfo.InvariantCulture);
    }

    /// <summary>Parses <paramref name="pattern"/>; a problem goes to <paramref name="errors"/> under <paramref name="key"/>.</summary>
    public static IndexNamePattern? Parse(string key, string pattern, ConfigurationErrors errors)
    {
        var parsed = Parse(pattern, out string? problem);
        if (problem is not null)
            errors.Add(key, problem);
        return parsed;
    }

    /// <summary>Adds an error under <paramref name="key"/> if <paramref name="name"/> breaks Elasticsearch's rules for index and data stream names.</summary>
    public static void ValidateIndexName(string key, string name, ConfigurationErrors errors)
    {
        if (IndexNameProblem(name) is { } problem)
            errors.Add(key, problem);
    }

    private static IndexNamePattern? Parse(string pattern, out string? problem)
    {
        problem = null;
        var format = new StringBuilder();
        string? literalPrefix = null;
        int position = 0;
        while (position < pattern.Length)
        {
            int open = pattern.IndexOf('{', position);
            int literalEnd = open < 0 ? pattern.Length : open;
            int stray = pattern.IndexOf('}', position, literalEnd - position);
            if (stray >= 0)
                {
                    problem = $"'{pattern}' has a '}}' without '{{' at position {stray}";
                    return null;
                }
            foreach (char c in pattern.AsSpan(position, literalEnd - position))
                format.Append('\\').Append(c);
            literalPrefix ??= open < 0 ? null : pattern[..open];
            if (open < 0)
                break;
            int close = pattern.IndexOf('}', open + 1);
            if (close < 0)
                {
                    problem = $"'{pattern}' has a '{{' without '}}' at position {open}";
                    return null;
                }
            string datePart = pattern[(open + 1)..close];
            if (datePart.Length == 0 || datePart.Contains('{') || datePart.Contains('\\') || datePart.Contains('\''))
                {
                    problem = $"'{pattern}' has an invalid date format '{{{datePart}}}'";
                    return null;
                }
            format.Append(datePart);
            position = close + 1;
        }
        if (literalPrefix is null)
            {
                problem = $"'{pattern}' has no date part in braces; a fixed index name grows forever (use e.g. ogrt-{{yyyy.MM.dd}})";
                return null;
            }
        // The template matches the prefix plus '*': without a prefix it would match (and map) every index of the cluster.
        if (literalPrefix.Length == 0)
            {
                problem = $"'{pattern}' must start with a literal prefix before the date part (e.g. ogrt-{{yyyy.MM.dd}}): the index template would match every index (index_patterns [\"*\"])";
                return null;
            }

        var parsed = new IndexNamePattern(pattern, format.ToString(), literalPrefix);
        string sample;
        try
        {
            sample = parsed.Format(1_700_000_000);
        }
        catch (FormatException e)
        {
            problem = $"'{pattern}' has an invalid date format: {e.Message}";
            return null;
        }
        problem = IndexNameProblem(sample);
        return problem is null ? parsed : null;
    }

    private static string? IndexNameProblem(string name)
    {
        string? problem = name switch
        {
            _ when name != name.ToLowerInvariant() => "must be lowercase",
            _ when name.IndexOfAny(ForbiddenCharacters) >= 0 => "must not contain \\ / * ? \" < > | , # : or spaces",
            _ when name[0] is '-' or '_' or '+' => "must not start with -, _ or +",
            "." or ".." => "must not be . or ..",
            _ when Encoding.UTF8.GetByteCount(name) > 255 => "must not be longer than 255 bytes",
            _ => null,
        };
        return problem is null ? null : $"index name '{name}' {problem}";
    }
}
