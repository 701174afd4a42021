using System.CommandLine;

namespace Ogrt.Cli.Commands;

/// <summary>
/// The `ogrt` root command. Adding a verb means adding one <see cref="IVerb"/> file and one
/// entry in <see cref="Verbs"/>; nothing else here changes.
/// </summary>
internal static class CliRoot
{
    private static IVerb[] Verbs =>
    [
        new WatermarkCommand(),
        new SignatureCommand(),
        new SendTestCommand(),
        new DoctorCommand(),
    ];

    public static int Run(string[] args)
    {
        var root = new RootCommand("OGRT.NET: link-time watermarks and deployment checks for the OGRT process tracker.");
        foreach (var verb in Verbs)
            root.Subcommands.Add(verb.Create());

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            // System.CommandLine would exit 1; scripts expect 2 for a usage error (GNU convention).
            foreach (var error in result.Errors)
                Console.Error.WriteLine($"ogrt: {error.Message}");
            string verb = result.CommandResult.Command == root ? "" : result.CommandResult.Command.Name + " ";
            Console.Error.WriteLine($"Try 'ogrt {verb}--help' for more information.");
            return ExitCodes.Usage;
        }
        return result.Invoke();
    }
}
