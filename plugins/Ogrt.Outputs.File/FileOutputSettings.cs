using System.Globalization;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File;

/// <summary>The validated settings of one File output (<c>Outputs:&lt;Name&gt;:…</c>).</summary>
internal sealed class FileOutputSettings
{
    /// <summary>The default size cap of <see cref="FileRotation.Size"/>: 1 GiB.</summary>
    public const long DefaultSizeCap = 1L << 30;

    public const string DefaultFileName = "ogrt";

    /// <summary>The settings <see cref="Parse"/> reads.</summary>
    public static readonly string[] Keys = ["Path", "Rotation", "MaxFileBytes", "RetainFiles", "FileName", "FlushToDisk"];

    /// <summary>The directory the files go to, absolute.</summary>
    public required string Directory { get; init; }

    public required FileRotation Rotation { get; init; }

    /// <summary>Start a new file before a batch would take the current one past this; 0 = no cap.</summary>
    public required long MaxFileBytes { get; init; }

    /// <summary>The file name prefix (setting <c>FileName</c>).</summary>
    public required string FileName { get; init; }

    /// <summary>How many rotated files to keep, the current one included; 0 = all.</summary>
    public required int RetainFiles { get; init; }

    /// <summary>fsync after every batch, so a successful write survives a power loss.</summary>
    public required bool FlushToDisk { get; init; }

    /// <summary>Reads and checks every setting; a bad one throws naming its full key.</summary>
    public static FileOutputSettings Parse(OutputContext context)
    {
        var section = context.Configuration;

        var path = section["Path"];
        if (string.IsNullOrWhiteSpace(path))
            throw new OutputConfigurationException(context.KeyOf("Path"), "is required: the directory the File output writes its JSON Lines files to.");

        var rotationText = section["Rotation"];
        var rotation = FileRotation.Daily;
        if (!string.IsNullOrWhiteSpace(rotationText)
            && (!Enum.TryParse(rotationText.Trim(), ignoreCase: true, out rotation) || !Enum.IsDefined(rotation) || char.IsAsciiDigit(rotationText.Trim()[0])))
        {
            throw new OutputConfigurationException(context.KeyOf("Rotation"), $"'{rotationText}' is not one of Daily, Size, None.");
        }

        var maxFileBytes = ParseInteger(context, "MaxFileBytes", rotation == FileRotation.Size ? DefaultSizeCap : 0);
        if (rotation == FileRotation.Size && maxFileBytes == 0)
            throw new OutputConfigurationException(context.KeyOf("MaxFileBytes"), "must be greater than 0 when Rotation is Size.");
        if (rotation == FileRotation.None && maxFileBytes != 0)
            throw new OutputConfigurationException(context.KeyOf("MaxFileBytes"), "has no effect when Rotation is None; remove it or choose Daily or Size.");

        var retainFiles = ParseInteger(context, "RetainFiles", 0);
        if (retainFiles > int.MaxValue)
            throw new OutputConfigurationException(context.KeyOf("RetainFiles"), $"must be at most {int.MaxValue}.");
        if (rotation == FileRotation.None && retainFiles != 0)
            throw new OutputConfigurationException(context.KeyOf("RetainFiles"), "has no effect when Rotation is None; remove it or choose Daily or Size.");

        var fileName = section["FileName"] ?? DefaultFileName;
        if (fileName.Length == 0
            || fileName is "." or ".."
            || fileName.IndexOfAny(['/', '\0']) >= 0
            || fileName.Any(char.IsControl))
        {
            throw new OutputConfigurationException(context.KeyOf("FileName"), $"'{fileName}' is not usable as a file name prefix (no '/', no control characters, not empty).");
        }

        var flushText = section["FlushToDisk"];
        var flushToDisk = false;
        if (!string.IsNullOrWhiteSpace(flushText) && !bool.TryParse(flushText.Trim(), out flushToDisk))
            throw new OutputConfigurationException(context.KeyOf("FlushToDisk"), $"'{flushText}' is not true or false.");

        return new FileOutputSettings
        {
            Directory = context.ResolvePath(path.Trim()),
            Rotation = rotation,
            MaxFileBytes = maxFileBytes,
            FileName = fileName,
            RetainFiles = (int)retainFiles,
            FlushToDisk = flushToDisk,
        };
    }

    private static long ParseInteger(OutputContext context, string setting, long defaultValue)
    {
        var text = context.Configuration[setting];
        if (string.IsNullOrWhiteSpace(text))
            return defaultValue;
        if (!long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new OutputConfigurationException(context.KeyOf(setting), $"'{text}' is not a whole number of 0 or more.");
        return value;
    }
}
