namespace Ogrt.Agent.Wire;

/// <summary>
/// Cutting text at a byte budget without splitting a UTF-8 sequence, so a truncated value
/// never gains a broken character it did not have. Invalid input is cut where it falls.
/// </summary>
internal static class Utf8Boundary
{
    /// <summary>The longest prefix of <paramref name="text"/> of at most <paramref name="maxLength"/> bytes.</summary>
    public static ReadOnlySpan<byte> Prefix(ReadOnlySpan<byte> text, int maxLength, scoped ref bool truncated)
    {
        if (text.Length <= maxLength)
            return text;
        truncated = true;
        return text[..CompleteLength(text[..maxLength])];
    }

    /// <summary>
    /// The length of <paramref name="kept"/> without a trailing multi-byte sequence that the
    /// cut left incomplete.
    /// </summary>
    public static int CompleteLength(ReadOnlySpan<byte> kept)
    {
        int length = kept.Length;
        for (int back = 1; back <= Math.Min(4, length); back++)
        {
            byte current = kept[length - back];
            if ((current & 0xC0) == 0x80)
                continue;
            return back < SequenceLength(current) ? length - back : length;
        }
        return length;
    }

    private static int SequenceLength(byte lead) =>
        (lead & 0xE0) == 0xC0 ? 2 :
        (lead & 0xF0) == 0xE0 ? 3 :
        (lead & 0xF8) == 0xF0 ? 4 : 1;
}
