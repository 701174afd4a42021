using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ogrt.Cli.SendTest;
using Ogrt.Protocol;

namespace Ogrt.Cli.Doctor;

/// <summary>
/// Is the collector there: sends a test record (as `ogrt send-test` does) and confirms it by
/// the collector's Prometheus counter of received datagrams. UDP has no receipt, so without
/// metrics only a refusal (ICMP port unreachable, e.g. nothing listening on that host) can be
/// told apart from success.
/// </summary>
internal static class CollectorCheck
{
    public const int DefaultMetricsPort = 9464;
    private const string ReceivedMetric = "ogrt_collector_datagrams_received_total";
    private static readonly TimeSpan RefusalWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CountWait = TimeSpan.FromSeconds(10);

    public static CheckResult Run(InstallLayout layout, string? collectorOption, string? metricsOption)
    {
        const string subject = "collector";
        string text = collectorOption ?? Environment.GetEnvironmentVariable("OGRT_COLLECTOR") ?? CollectorAddress.Default;
        string siteFix = $"set OGRT_COLLECTOR=HOST:PORT in {layout.SiteConf}";
        if (!CollectorAddress.TryParse(text, out var address, out string error))
            return CheckResult.Fail(subject, $"OGRT_COLLECTOR: {error}", siteFix);

        IPEndPoint endpoint;
        try
        {
            endpoint = address.Resolve();
        }
        catch (SocketException e)
        {
            return CheckResult.Fail(subject, $"cannot resolve {address.Host}: {e.Message}", siteFix);
        }

        var metrics = new Uri(metricsOption ?? $"http://{(address.Host.Contains(':') ? $"[{address.Host}]" : address.Host)}:{DefaultMetricsPort}/metrics");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        long? before = ReadReceivedCount(http, metrics, out _);

        if (SendAndWatchForRefusal(endpoint) is { } refusal)
            return CheckResult.Fail(subject, $"nothing receives on UDP {address} ({endpoint}): {refusal}",
                $"start the collector (systemctl start ogrt-collector) on {address.Host}, or {siteFix}");

        string metricsFix = "enable Metrics:Prometheus on the collector, or pass --metrics URL (see docs/deployment.md)";
        if (before is null)
            return CheckResult.Warn(subject, $"test record sent to {address}, delivery unconfirmed: no metrics at {metrics}", metricsFix);

        var deadline = DateTime.UtcNow + CountWait;
        while (true)
        {
            long? after = ReadReceivedCount(http, metrics, out bool fromCollector);
            if (after > before)
                return CheckResult.Ok(subject, $"{address} received the test record ({ReceivedMetric} {before} -> {after} at {metrics})");
            if (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
                continue;
            }
            // Another program's exporter on that port is not evidence against the collector.
            if (!fromCollector)
                return CheckResult.Warn(subject, $"test record sent to {address}, delivery unconfirmed: {metrics} shows no OGRT collector metrics", metricsFix);
            return CheckResult.Fail(subject, $"the collector at {metrics} did not count the test record sent to {address} within {CountWait.TotalSeconds:0} s",
                $"check that UDP {address.Port} is open between this node and {address.Host}, and that {metrics} belongs to that collector");
        }
    }

    // Sends the datagram on a connected socket: a host that has nothing on the port answers with
    // ICMP port unreachable, which the kernel reports on that socket as ECONNREFUSED.
    private static string? SendAndWatchForRefusal(IPEndPoint endpoint)
    {
        byte[] datagram = MessageFrame.Encode(OwnProcessRecord.Capture());
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(endpoint);
            socket.Send(datagram);
            socket.ReceiveTimeout = (int)RefusalWait.TotalMilliseconds;
            socket.Receive(new byte[1]);
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return null;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
    }

    // The sum of the counter's samples, 0 while it is absent (a counter appears with its first
    // datagram, other collector metrics with the outputs); null when the endpoint does not answer.
    private static long? ReadReceivedCount(HttpClient http, Uri metrics, out bool fromCollector)
    {
        fromCollector = false;
        string text;
        try
        {
            text = http.GetStringAsync(metrics).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
        fromCollector = text.Contains("ogrt_collector_", StringComparison.Ordinal);
        long total = 0;
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith(ReceivedMetric, StringComparison.Ordinal)
                || line.Length == ReceivedMetric.Length
                || line[ReceivedMetric.Length] is not ('{' or ' '))
                continue;
            int valueStart = line[ReceivedMetric.Length] == '{' ? line.LastIndexOf('}') + 1 : ReceivedMetric.Length;
            string[] fields = line[valueStart..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                total += (long)value;
        }
        return total;
    }
}
