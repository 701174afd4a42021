using System.CommandLine;
using Ogrt.Cli.Doctor;

namespace Ogrt.Cli.Commands;

/// <summary>
/// `ogrt doctor`: checks that this shell and node are set up to track processes, and says what
/// is wrong and how to fix it.
/// </summary>
internal sealed class DoctorCommand : IVerb
{
    public Command Create()
    {
        var collector = new Option<string?>("--collector", "-c")
        {
            Description = "The collector to test (HOST:PORT); default $OGRT_COLLECTOR.",
            HelpName = "HOST:PORT",
        };
        var metrics = new Option<string?>("--metrics")
        {
            Description = $"The collector's Prometheus endpoint that confirms delivery; default http://COLLECTOR-HOST:{CollectorCheck.DefaultMetricsPort}/metrics.",
            HelpName = "URL",
        };
        metrics.Validators.Add(result =>
        {
            string? text = result.GetValueOrDefault<string?>();
            if (text is not null && !(Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                result.AddError($"'{text}' is not an http(s) URL");
        });
        var executables = new Option<string[]>("--executable", "-e")
        {
            Description = "Also tell whether OGRT_FILTER tracks this executable (repeatable).",
            HelpName = "PATH",
        };
        var command = new Command("doctor",
            "Check this node and shell for process tracking: glibc, LD_PRELOAD and the agent, OGRT_ACTIVE, " +
            "OGRT_FILTER, the linker wrapper in PATH and for gcc, the node capture service, and the collector (a test record confirmed " +
            "by the collector's metrics). Prints one line per check with a fix for each problem. Exit status: " +
            "0 no problem (warnings allowed), 1 some check failed, 2 usage error.")
        {
            collector,
            metrics,
            executables,
        };
        command.SetAction(parse => Run(parse.GetValue(collector), parse.GetValue(metrics), parse.GetValue(executables) ?? []));
        return command;
    }

    private static int Run(string? collector, string? metrics, string[] executables)
    {
        var layout = InstallLayout.OfThisProgram();
        Console.Out.WriteLine($"ogrt doctor: OGRT.NET {typeof(DoctorCommand).Assembly.GetName().Version?.ToString(3)} in {layout.Prefix}");
        Func<IEnumerable<CheckResult>>[] checks =
        [
            () => GlibcCheck.Run(layout),
            () => AgentCheck.Run(layout),
            () => FilterCheck.Run(layout, executables),
            () => LinkerWrapperCheck.Run(layout),
            () => CaptureServiceCheck.Run(layout),
            () => [CollectorCheck.Run(layout, collector, metrics)],
        ];
        int failures = 0;
        foreach (var check in checks)
        {
            foreach (var result in Guarded(check))
            {
                Console.Out.WriteLine($"{Label(result.Status),-5} {result.Subject}: {result.Finding}");
                if (result.Fix is not null)
                    Console.Out.WriteLine($"      fix: {result.Fix}");
                if (result.Status == CheckStatus.Fail)
                    failures++;
            }
            Console.Out.Flush();
        }
        Console.Out.WriteLine(failures == 0 ? "ogrt doctor: no problems found" : $"ogrt doctor: {failures} problem(s) found");
        return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    // A check that breaks on something unforeseen is reported as a failed check; the others
    // still run.
    private static IReadOnlyList<CheckResult> Guarded(Func<IEnumerable<CheckResult>> check)
    {
        try
        {
            return check().ToList();
        }
        catch (Exception e)
        {
            return [CheckResult.Fail("doctor", $"a check failed unexpectedly: {e.GetType().Name}: {e.Message}", "report this as a bug")];
        }
    }

    private static string Label(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Warn => "warn",
        _ => "FAIL",
    };
}
