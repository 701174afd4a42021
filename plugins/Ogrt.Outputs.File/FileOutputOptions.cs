using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Ogrt.Outputs.Sdk.Configuration;

namespace Ogrt.Outputs.File;

/// <summary>The settings of one File output (<c>Outputs:&lt;Name&gt;:…</c>, see docs/collector.md).</summary>
internal sealed class FileOutputOptions
{
    /// <summary>The default size cap of <see cref="FileRotation.Size"/>: 1 GiB.</summary>
    public const long DefaultSizeCap = 1L << 30;

    public const string DefaultFileName = "ogrt";

    /// <summary>The default of <see cref="PageCacheWindow"/>: 64 MiB.</summary>
    public const long DefaultPageCacheWindow = 64L << 20;

    /// <summary>The directory the files go to; absolute once <see cref="Bind"/> returned.</summary>
    [RequiredSetting("the directory the File output writes its JSON Lines files to")]
    public string? Path { get; set; }

    public FileRotation Rotation { get; set; } = FileRotation.Daily;

    /// <summary>
    /// Start a new file before a batch would take the current one past this; 0 = no cap.
    /// Unset: <see cref="DefaultSizeCap"/> with <see cref="FileRotation.Size"/>, else 0.
    /// </summary>
    [RangeSetting(0, long.MaxValue)]
    public long? MaxFileBytes { get; set; }

    /// <summary>The file name prefix.</summary>
    public string FileName { get; set; } = DefaultFileName;

    /// <summary>How many rotated files to keep, the current one included; 0 = all.</summary>
    [RangeSetting(0, int.MaxValue)]
    public int RetainFiles { get; set; }

    /// <summary>fsync after every batch, so a successful write survives a power loss.</summary>
    public bool FlushToDisk { get; set; }

    /// <summary>
    /// How many of the newest bytes of the current file stay in the page cache; older ones are
    /// written back and dropped from it. 0 leaves caching to the kernel.
    /// </summary>
    [RangeSetting(0, long.MaxValue)]
    public long PageCacheWindow { get; set; } = DefaultPageCacheWindow;

    /// <summary>Binds and checks every setting; throws naming each bad key.</summary>
    public static FileOutputOptions Bind(OutputContext context)
    {
        var errors = new ConfigurationErrors();
        var section = context.Configuration;
        var options = SectionBinder.Bind(section, errors, static (configuration, options) => configuration.Bind(options, SectionBinder.Strict), new FileOutputOptionsValidator());
        options.CheckCombinations(section.Path, errors);
        errors.ThrowIfAny();
        options.Path = context.ResolvePath(options.Path!.Trim());
        options.MaxFileBytes ??= options.Rotation == FileRotation.Size ? DefaultSizeCap : 0;
        return options;
    }

    private void CheckCombinations(string section, ConfigurationErrors errors)
    {
        if (Rotation == FileRotation.Size && MaxFileBytes == 0)
            errors.Add($"{section}:{nameof(MaxFileBytes)}", "must be greater than 0 when Rotation is Size.");
        if (Rotation == FileRotation.None && MaxFileBytes is > 0)
            errors.Add($"{section}:{nameof(MaxFileBytes)}", "has no effect when Rotation is None; remove it or choose Daily or Size.");
        if (Rotation == FileRotation.None && RetainFiles != 0)
            errors.Add($"{section}:{nameof(RetainFiles)}", "has no effect when Rotation is None; remove it or choose Daily or Size.");
        if (FileName.Length == 0 || FileName is "." or ".." || FileName.IndexOfAny(['/', '\0']) >= 0 || FileName.Any(char.IsControl))
            errors.Add($"{section}:{nameof(FileName)}", $"'{FileName}' is not usable as a file name prefix (no '/', no control characters, not empty).");
    }
}

/// <summary>Checks the attributes of <see cref="FileOutputOptions"/> (generated).</summary>
[OptionsValidator]
internal sealed partial class FileOutputOptionsValidator : IValidateOptions<FileOutputOptions>;
