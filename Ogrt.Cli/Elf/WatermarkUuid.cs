namespace Ogrt.Cli.Elf;

/// <summary>The UUID text a watermark carries: canonical 8-4-4-4-12 hex, lowercase.</summary>
internal static class WatermarkUuid
{
    /// <summary>A fresh random (version 4) UUID.</summary>
    public static string NewRandom() => Guid.NewGuid().ToString("D");

    /// <summary>Accepts a canonical UUID in either case and returns it lowercase.</summary>
    public static bool TryNormalize(string text, out string uuid)
    {
        uuid = "";
        if (!Guid.TryParseExact(text, "D", out var parsed))
            return false;
        uuid = parsed.ToString("D");
        return true;
    }
}
