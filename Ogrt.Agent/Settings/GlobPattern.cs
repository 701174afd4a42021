namespace Ogrt.Agent.Settings;

/// <summary>
/// Shell-style glob matching on bytes: <c>*</c> matches any run (including none), <c>?</c>
/// one byte, everything else itself (case-sensitive, like environment variable names).
/// </summary>
internal static class GlobPattern
{
    public static bool Matches(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0;
        int starPattern = -1, starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == (byte)'?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                // Remember the star and first try matching nothing; on a later mismatch
                // let it swallow one more byte.
                starPattern = p++;
                starText = t;
            }
            else if (starPattern >= 0)
            {
                p = starPattern + 1;
                t = ++starText;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == (byte)'*')
            p++;
        return p == pattern.Length;
    }
}
