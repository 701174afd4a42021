using Ogrt.Cli.Elf;

namespace Ogrt.Cli.Linking;

/// <summary>
/// Whether a linker invocation gets a watermark object, and for which ELF target.
/// <see cref="Target"/> is null for invocations passed through unchanged; <see cref="Warning"/>
/// explains a skipped watermark the user would otherwise expect.
/// </summary>
internal sealed record WatermarkDecision(ElfTarget? Target, string? Warning = null)
{
    private static readonly WatermarkDecision PassThrough = new((ElfTarget?)null);

    // Partial links (the output is linked again later, and watermarked then) and queries that
    // make ld exit before linking. GNU ld parses with getopt_long_only, so single-dash long forms count too.
    private static readonly HashSet<string> PassThroughOptions =
    [
        "-r", "-i", "-Ur", "--relocatable", "-relocatable",
        "--version", "-version", "--help", "-help", "--target-help", "-target-help",
    ];

    // Options that only print information; a command line of nothing else links nothing
    // (adding our object would make ld link it into a.out).
    private static readonly HashSet<string> InformationOptions = ["-v", "-V", "--verbose", "-verbose"];

    /// <param name="arguments">The linker's arguments (without argv[0]).</param>
    /// <param name="watermarkSetting">The value of OGRT_WATERMARK, if set.</param>
    /// <param name="nested">Another OGRT wrapper already handled this link.</param>
    public static WatermarkDecision Decide(IReadOnlyList<string> arguments, string? watermarkSetting, bool nested)
    {
        if (IsDisabled(watermarkSetting) || nested || arguments.Count == 0)
            return PassThrough;

        var expanded = ResponseFile.Expand(arguments);
        if (expanded.Any(PassThroughOptions.Contains)
            || expanded.All(a => InformationOptions.Contains(a) || a.StartsWith("--verbose=", StringComparison.Ordinal)))
            return PassThrough;

        // A raw image (binary, ihex, srec) has no notes to carry a watermark: ours would only
        // add bytes to a firmware or boot image.
        if (OptionValue(expanded, "--oformat", "-oformat") is { } format && !format.StartsWith("elf", StringComparison.Ordinal))
            return PassThrough;

        string? emulation = Emulation(expanded);
        if (emulation is null)
            return ElfTarget.Host is { } host
                ? new WatermarkDecision(host)
                : new WatermarkDecision(null, "this machine's architecture is not supported; linking without an OGRT watermark");
        return ElfTarget.FromEmulation(emulation) is { } target
            ? new WatermarkDecision(target)
            : new WatermarkDecision(null, $"emulation '{emulation}' is not supported; linking without an OGRT watermark");
    }

    /// <summary>OGRT_WATERMARK=0 (or no, false, off) disables watermarking.</summary>
    private static bool IsDisabled(string? setting) =>
        setting is not null && setting.Trim().ToLowerInvariant() is "0" or "no" or "false" or "off";

    /// <summary>The value of the last `--NAME VALUE` / `--NAME=VALUE` (in any of the given spellings).</summary>
    private static string? OptionValue(List<string> arguments, params string[] names)
    {
        string? value = null;
        for (int i = 0; i < arguments.Count; i++)
        {
            foreach (string name in names)
            {
                if (arguments[i] == name && i + 1 < arguments.Count)
                    value = arguments[i + 1];
                else if (arguments[i].StartsWith(name + "=", StringComparison.Ordinal))
                    value = arguments[i][(name.Length + 1)..];
            }
        }
        return value;
    }

    /// <summary>The last `-m EMULATION` / `-mEMULATION` (gcc passes `-m elf_x86_64`).</summary>
    private static string? Emulation(List<string> arguments)
    {
        string? emulation = null;
        for (int i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] == "-m" && i + 1 < arguments.Count)
                emulation = arguments[++i];
            else if (arguments[i].StartsWith("-m", StringComparison.Ordinal) && ElfTarget.FromEmulation(arguments[i][2..]) is not null)
                emulation = arguments[i][2..];
        }
        return emulation;
    }
}
