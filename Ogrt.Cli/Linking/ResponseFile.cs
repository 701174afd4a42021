using System.Text;

namespace Ogrt.Cli.Linking;

/// <summary>
/// Expands `@FILE` arguments the way the GNU tools' libiberty does (whitespace separates,
/// single and double quotes group, backslash escapes, nested @files), so the wrapper can see
/// options such as -r that gcc hides in a response file. Used for inspection only: the real
/// linker still receives the original arguments.
/// </summary>
internal static class ResponseFile
{
    private const int MaxDepth = 16;

    public static List<string> Expand(IEnumerable<string> arguments)
    {
        var expanded = new List<string>();
        Expand(arguments, expanded, 0);
        return expanded;
    }

    private static void Expand(IEnumerable<string> arguments, List<string> expanded, int depth)
    {
        foreach (string argument in arguments)
        {
            // An unreadable @FILE is passed to the linker literally, as libiberty does.
            if (argument.Length > 1 && argument[0] == '@' && depth < MaxDepth && TryRead(argument[1..], out string? text))
                Expand(Split(text), expanded, depth + 1);
            else
                expanded.Add(argument);
        }
    }

    private static bool TryRead(string path, out string text)
    {
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = "";
            return false;
        }
    }

    private static List<string> Split(string text)
    {
        var tokens = new List<string>();
        var token = new StringBuilder();
        bool inToken = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                token.Append(text[++i]);
                inToken = true;
            }
            else if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else
                    token.Append(c);
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inToken)
                    tokens.Add(token.ToString());
                token.Clear();
                inToken = false;
            }
            else
            {
                token.Append(c);
                inToken = true;
            }
        }
        if (inToken)
            tokens.Add(token.ToString());
        return tokens;
    }
}
