namespace Ogrt.Agent.Settings;

/// <summary>
/// Enumerates the values of a separated list (<c>a,b,c</c>) without allocating; values are
/// trimmed of spaces and tabs and may be empty.
/// </summary>
internal ref struct SeparatedValues
{
    private ReadOnlySpan<byte> _remaining;
    private readonly byte _separator;
    private bool _done;

    public SeparatedValues(ReadOnlySpan<byte> text, byte separator)
    {
        _remaining = text;
        _separator = separator;
        _done = text.IsEmpty;
        Current = default;
    }

    public ReadOnlySpan<byte> Current { get; private set; }

    public readonly SeparatedValues GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_done)
            return false;
        int end = _remaining.IndexOf(_separator);
        if (end < 0)
        {
            Current = _remaining.Trim(" \t"u8);
            _done = true;
        }
        else
        {
            Current = _remaining[..end].Trim(" \t"u8);
            _remaining = _remaining[(end + 1)..];
        }
        return true;
    }
}
