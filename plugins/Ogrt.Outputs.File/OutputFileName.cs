using System.Globalization;

namespace Ogrt.Outputs.File;

/// <summary>
/// The name of one rotated file: <c>&lt;prefix&gt;-&lt;yyyy-MM-dd&gt;.&lt;NNNN&gt;.jsonl</c>, the UTC date the
/// file was started and its sequence number within that date. Both parts are fixed-width, so
/// the plain byte order of the names (<c>ls</c>, <c>sort</c>) is the order they were written in
/// (up to 10,000 files a day; beyond that the numbers get wider and this type still orders
/// them by value).
/// </summary>
internal readonly record struct OutputFileName(DateOnly Date, int Sequence) : IComparable<OutputFileName>
{
    private const string DateFormat = "yyyy-MM-dd";
    private const string Extension = ".jsonl";

    public string Format(string prefix) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{Date.ToString(DateFormat, CultureInfo.InvariantCulture)}.{Sequence:D4}{Extension}");

    /// <summary>
    /// Parses a file name written by <see cref="Format"/> with the same prefix; anything else
    /// (other prefixes, other files an operator keeps in the directory) is not ours.
    /// </summary>
    public static bool TryParse(string prefix, string fileName, out OutputFileName name)
    {
        name = default;
        var rest = fileName.AsSpan();
        if (!rest.StartsWith(prefix, StringComparison.Ordinal) || !rest.EndsWith(Extension, StringComparison.Ordinal))
            return false;
        rest = rest[prefix.Length..^Extension.Length];

        // "-yyyy-MM-dd.NNNN" with at least four digits.
        if (rest.Length < 1 + DateFormat.Length + 1 + 4 || rest[0] != '-' || rest[1 + DateFormat.Length] != '.')
            return false;
        var datePart = rest.Slice(1, DateFormat.Length);
        var sequencePart = rest[(2 + DateFormat.Length)..];
        foreach (var c in sequencePart)
        {
            if (!char.IsAsciiDigit(c))
                return false;
        }
        if (!DateOnly.TryParseExact(datePart, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            || !int.TryParse(sequencePart, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            return false;
        name = new OutputFileName(date, sequence);
        return true;
    }

    public int CompareTo(OutputFileName other)
    {
        var byDate = Date.CompareTo(other.Date);
        return byDate != 0 ? byDate : Sequence.CompareTo(other.Sequence);
    }
}
