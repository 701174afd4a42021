using Ogrt.Collector.Configuration;
using Ogrt.Collector.Hosting;
using Microsoft.Extensions.Hosting;

namespace Ogrt.Collector;

public static class Program
{
    /// <summary>sysexits.h EX_CONFIG: the unit does not restart on it (RestartPreventExitStatus).</summary>
    public const int ConfigurationErrorExitCode = 78;

    public static async Task<int> Main(string[] args)
    {
        try
        {
            using var host = await CollectorHost.BuildAsync(args).ConfigureAwait(false);
            await host.RunAsync().ConfigureAwait(false);
            // Non-zero if a loop of the collector failed and stopped it (systemd then restarts it).
            return Environment.ExitCode;
        }
        catch (CollectorConfigurationException e)
        {
            // For the operator: what to fix, not a stack trace.
            await Console.Error.WriteLineAsync("ogrt-collector: cannot start:").ConfigureAwait(false);
            foreach (string error in e.Errors)
                await Console.Error.WriteLineAsync("  " + error).ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }
    }
}
