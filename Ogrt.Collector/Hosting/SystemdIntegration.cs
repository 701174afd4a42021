using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Console;

namespace Ogrt.Collector.Hosting;

/// <summary>
/// Readiness notification and journal log format under systemd, decided from what systemd
/// hands the service rather than from who its parent is.
/// </summary>
/// <remarks>
/// <c>AddSystemd()</c> only switches on when it sees systemd as the parent process, by reading
/// <c>/proc/&lt;ppid&gt;/comm</c>. The unit's <c>ProtectProc=invisible</c> hides PID 1 from the
/// <c>ogrt</c> account, so it decided "not under systemd", never sent <c>READY=1</c>, and systemd
/// killed the <c>Type=notify</c> service after its start timeout. <c>NOTIFY_SOCKET</c> and
/// <c>JOURNAL_STREAM</c> are what systemd sets for exactly these two purposes (systemd.exec(5)).
/// </remarks>
public static class SystemdIntegration
{
    /// <summary>Set by systemd for Type=notify services: where READY=1 and STOPPING=1 go.</summary>
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    /// <summary>Set by systemd when standard output or error is connected to the journal.</summary>
    public const string JournalStreamVariable = "JOURNAL_STREAM";

    public static IServiceCollection AddSystemdIntegration(this IServiceCollection services, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(environment);
        bool parentIsSystemd = SystemdHelpers.IsSystemdService();
        if (parentIsSystemd || !string.IsNullOrEmpty(environment(JournalStreamVariable)))
        {
            // One line per message with a syslog priority prefix (<6>, <4>…) that the journal
            // turns into PRIORITY=, instead of the console's two-line colored format.
            services.Configure<ConsoleLoggerOptions>(options => options.FormatterName = ConsoleFormatterNames.Systemd);
        }
        if (parentIsSystemd || !string.IsNullOrEmpty(environment(NotifySocketVariable)))
        {
            services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }
        return services;
    }
}
