using System.CommandLine;
using Ogrt.Cli.Elf;

namespace Ogrt.Cli.Commands;

/// <summary>`ogrt watermark -o FILE.o [--uuid U]`: writes a watermark object for linking.</summary>
internal sealed class WatermarkCommand : IVerb
{
    public Command Create()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = "The relocatable object to write (for example ogrt-watermark.o).",
            Required = true,
            HelpName = "FILE",
        };
        var uuid = new Option<string?>("--uuid")
        {
            Description = "The UUID to embed (canonical 8-4-4-4-12 hex); default: a fresh random UUID.",
            HelpName = "UUID",
        };
        uuid.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string?>();
            if (value is not null && !WatermarkUuid.TryNormalize(value, out _))
                result.AddError($"'{value}' is not a UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).");
        });

        var command = new Command("watermark",
            "Write an x86-64 ELF object holding an OGRT watermark note (.note.ogrt.info) and a " +
            "non-executable-stack marker; link it into a program or library to sign it. Prints the UUID.")
        {
            output,
            uuid,
        };
        command.SetAction(parse => Run(parse.GetRequiredValue(output), parse.GetValue(uuid)));
        return command;
    }

    private static int Run(string path, string? requestedUuid)
    {
        // --uuid was validated by the parser.
        string uuid = requestedUuid is not null && WatermarkUuid.TryNormalize(requestedUuid, out string given)
            ? given
            : WatermarkUuid.NewRandom();
        try
        {
            File.WriteAllBytes(path, WatermarkObjectWriter.Write(ElfTarget.X86_64, uuid));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"ogrt watermark: cannot write {path}: {e.Message}");
            return ExitCodes.Failure;
        }
        Console.Out.WriteLine(uuid);
        return ExitCodes.Success;
    }
}
