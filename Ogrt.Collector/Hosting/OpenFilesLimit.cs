using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Ogrt.Collector.Hosting;

/// <summary>
/// Warns when the process may open fewer files than the unit asks for: systemd lowers
/// <c>LimitNOFILE=</c> to the hard limit it runs under (a container, a site's limits) without a word.
/// </summary>
public static partial class OpenFilesLimit
{
    /// <summary>What <c>ogrt-collector.service</c> asks for with <c>LimitNOFILE=</c>.</summary>
    public const long Recommended = 65536;

    /// <summary>The soft "Max open files" of this process, or null where /proc cannot tell.</summary>
    public static long? Current(string limitsFile = "/proc/self/limits")
    {
        try
        {
            foreach (string line in File.ReadLines(limitsFile))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal))
                    continue;
                string soft = line["Max open files".Length..].TrimStart().Split(' ', 2)[0];
                return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
        }
        return null;
    }

    public static void WarnIfLow(ILogger logger, long? current)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (current < Recommended)
            LogLow(logger, current.Value, Recommended);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The open files limit is {Limit}, below the {Recommended} that ogrt-collector.service sets (under systemd, LimitNOFILE= is capped by the hard limit systemd runs under; elsewhere, raise it with ulimit -n); outputs with many connections or files may fail to open more")]
    private static partial void LogLow(ILogger logger, long limit, long recommended);
}
