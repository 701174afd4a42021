using System.Globalization;
using System.Net.Sockets;

namespace Ogrt.Cli.Doctor;

/// <summary>
/// Is the node capture service there (the agent's normal path): its socket takes a message, and
/// its counters show records sent and nothing failing. Without it the agent captures in a forked
/// process per tracked process, which works but costs more and cannot track everything.
/// </summary>
internal static class CaptureServiceCheck
{
    public const string DefaultSocket = "/run/ogrt/agent.sock";
    public const string DefaultCounters = "/run/ogrt-agent/counters";

    public static IEnumerable<CheckResult> Run(InstallLayout layout, string? socketPath = null, string? countersPath = null)
    {
        const string subject = "capture service";
        socketPath ??= Environment.GetEnvironmentVariable("OGRT_AGENT_SOCKET") is { Length: > 0 } configured ? configured : DefaultSocket;
        string enable = $"systemctl enable --now ogrt-agent.socket (units in {layout.Prefix}/share/ogrt/systemd), or run packaging/install.sh without --no-systemd";
        if (!File.Exists(socketPath))
        {
            yield return CheckResult.Warn(subject, $"no socket at {socketPath}: processes are captured in a forked process each (more CPU; not tracked in containers, under small ulimit -u)", enable);
            yield break;
        }
        string? refusal = Probe(socketPath);
        if (refusal is not null)
        {
            yield return CheckResult.Warn(subject, $"{socketPath} refuses messages ({refusal}): processes fall back to a forked capture process", enable);
            yield break;
        }
        yield return CheckResult.Ok(subject, $"{socketPath} is open");
        if (countersPath is null && socketPath != DefaultSocket)
            yield break;
        var counters = ReadCounters(countersPath ?? DefaultCounters);
        if (counters is null)
            yield break; // not started yet: socket activation starts it on the first message
        string summary = string.Join(", ", counters.Select(pair => $"{pair.Key} {pair.Value}"));
        long Get(string name) => counters.GetValueOrDefault(name);
        if (Get("send_failed") > 0 || Get("ends_send_failed") > 0)
            yield return CheckResult.Warn(subject, $"records not sent to the collector ({summary})",
                $"check OGRT_COLLECTOR in {layout.SiteConf} (the service reads it at start: systemctl restart ogrt-agent.service)");
        else if (Get("fallbacks") > 0)
            yield return CheckResult.Warn(subject, $"its socket's queue was full and processes fell back to a capture process each ({summary})",
                "raise net.unix.max_dgram_qlen (sysctl; systemd boots with 512) before ogrt-agent.socket starts, or look for what floods it");
        else if (Get("malformed") > 0 || Get("rate_limited") > 0)
            yield return CheckResult.Warn(subject, $"messages dropped ({summary})", "see journalctl -u ogrt-agent.service");
        else
            yield return CheckResult.Ok(subject, summary);
        if (EndRecordsCheck(counters) is { } endRecords)
            yield return endRecords;
    }

    /// <summary>What the service's <c>end_records</c> counter says (EndRecordsState in the service), and lost exit reports.</summary>
    private static CheckResult? EndRecordsCheck(Dictionary<string, long> counters)
    {
        const string subject = "end records";
        const string journal = "journalctl -u ogrt-agent.service -g 'end records'";
        if (!counters.TryGetValue("end_records", out long state))
            return null;
        return state switch
        {
            0 => CheckResult.Ok(subject, "off by the site (OGRT_END_RECORDS=0)"),
            -1 => CheckResult.Warn(subject, "none: the capture service lacks CAP_NET_ADMIN, so it cannot listen to the kernel's exit reports",
                "run it with the shipped ogrt-agent.service (AmbientCapabilities=CAP_NET_ADMIN); see " + journal),
            -2 => CheckResult.Warn(subject, "none: the kernel's taskstats cannot be used here (not built in, older than version 12, or not the initial namespaces)",
                "see " + journal),
            _ when counters.GetValueOrDefault("exit_overruns") > 0 => CheckResult.Warn(subject,
                $"exit reports lost {counters["exit_overruns"]} time(s): some runs have no end record ({counters.GetValueOrDefault("starts_without_end")} starts without end)",
                "raise the service's --exit-buffer (ExecStart= in a drop-in), or look for what floods the node with exits"),
            _ => CheckResult.Ok(subject, $"{counters.GetValueOrDefault("ends_sent")} sent, {counters.GetValueOrDefault("runs_tracked")} running, {counters.GetValueOrDefault("starts_without_end")} starts without end"),
        };
    }

    /// <summary>Connects without sending (a datagram would count as malformed); null when something is bound there.</summary>
    private static string? Probe(string socketPath)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return null;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode.ToString();
        }
    }

    private static Dictionary<string, long>? ReadCounters(string path)
    {
        try
        {
            return File.ReadAllLines(path)
                .Select(line => line.Split(' ', 2))
                .Where(parts => parts.Length == 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                .ToDictionary(parts => parts[0], parts => long.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
