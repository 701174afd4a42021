using System.Text.RegularExpressions;

namespace Ogrt.Cli.Tests.Infrastructure;

/// <summary>Reads watermark facts with binutils' readelf, independently of the code under test.</summary>
public static partial class ElfNotes
{
    /// <summary>The UUIDs of all OGRT notes readelf -n shows (descriptor bytes decoded).</summary>
    public static List<string> OgrtUuids(string file)
    {
        var result = ExternalProcess.Run("readelf", ["-nW", file]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var uuids = new List<string>();
        foreach (Match match in OgrtNote().Matches(result.Stdout))
        {
            var bytes = match.Groups["data"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(hex => Convert.ToByte(hex, 16)).ToArray();
            Assert.That(bytes[0], Is.EqualTo(1), "note version byte");
            uuids.Add(System.Text.Encoding.ASCII.GetString(bytes, 1, Array.IndexOf(bytes, (byte)0, 1) - 1));
        }
        return uuids;
    }

    /// <summary>The flags column of the GNU_STACK program header (e.g. "RW "), or null if absent.</summary>
    public static string? GnuStackFlags(string file)
    {
        var result = ExternalProcess.Run("readelf", ["-lW", file]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var match = GnuStack().Match(result.Stdout);
        return match.Success ? match.Groups["flags"].Value : null;
    }

    [GeneratedRegex(@"^\s*OGRT\s+0x[0-9a-f]+\s+Unknown note type: \(0x4f475254\)\s+description data: (?<data>[0-9a-f ]+)$", RegexOptions.Multiline)]
    private static partial Regex OgrtNote();

    [GeneratedRegex(@"^\s*GNU_STACK\s+(?:0x[0-9a-f]+\s+){5}(?<flags>[RWE ]{3})", RegexOptions.Multiline)]
    private static partial Regex GnuStack();
}
