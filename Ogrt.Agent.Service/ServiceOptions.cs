using System.Globalization;
using System.Text;
using Ogrt.Agent.Settings;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Service;

/// <summary>
/// The service's settings: command-line options over its own environment (under systemd,
/// <c>EnvironmentFile=PREFIX/etc/site.conf</c>: the node's OGRT_COLLECTOR and OGRT_END_RECORDS)
/// over build defaults.
/// </summary>
internal sealed class ServiceOptions
{
    public const string Usage = """
        usage: ogrt-agent-service [--socket PATH] [--collector HOST:PORT] [--counters PATH]
                                  [--rate PER_SECOND] [--burst COUNT] [--end-records on|off]
                                  [--exit-buffer BYTES]
          --socket PATH          bind this socket (default: the one systemd passes; else /run/ogrt/agent.sock)
          --collector HOST:PORT  where records go (default: $OGRT_COLLECTOR, else the build default)
          --counters PATH        where to write the counters that `ogrt doctor` reads
                                 (default: $RUNTIME_DIRECTORY/counters under systemd, else none)
          --rate, --burst        per-uid limit: messages per second, and the burst allowed (default 2000, 20000)
          --end-records on|off   report how each tracked process ended (needs CAP_NET_ADMIN; default:
                                 $OGRT_END_RECORDS, where 0 turns them off, else on)
          --exit-buffer BYTES    receive buffer for the kernel's exit reports (default 8 MiB)
        """;

    public string? SocketPath { get; private set; }
    public byte[] Collector { get; private set; } = BuildDefaults.Collector.ToArray();
    public string? CountersPath { get; private set; }
    public double RatePerSecond { get; private set; } = 2000;
    public double Burst { get; private set; } = 20000;
    public int ReceiveBufferBytes { get; } = 8 << 20;
    public bool EndRecords { get; private set; } = true;
    public int ExitBufferBytes { get; private set; } = 8 << 20;
    /// <summary>The memory the table of running tracked processes may take (~150 bytes each).</summary>
    public long EndTableBytes { get; } = 32L << 20;

    /// <summary>Parses the options; throws <see cref="ArgumentException"/> with a message for the operator.</summary>
    public static ServiceOptions Parse(string[] args, Func<string, string?> environment)
    {
        var options = new ServiceOptions();
        if (environment("OGRT_COLLECTOR") is { Length: > 0 } collector)
            options.Collector = Encoding.UTF8.GetBytes(collector);
        if (environment("RUNTIME_DIRECTORY") is { Length: > 0 } runtime)
            options.CountersPath = Path.Combine(runtime.Split(':')[0], "counters");
        if (environment("OGRT_END_RECORDS") is { Length: > 0 } endRecords)
            options.EndRecords = OnOff("OGRT_END_RECORDS", endRecords);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--socket": options.SocketPath = Value(); break;
                case "--collector": options.Collector = Encoding.UTF8.GetBytes(Value()); break;
                case "--counters": options.CountersPath = Value(); break;
                case "--rate": options.RatePerSecond = Positive(name, Value()); break;
                case "--burst": options.Burst = Positive(name, Value()); break;
                case "--end-records": options.EndRecords = OnOff(name, Value()); break;
                case "--exit-buffer": options.ExitBufferBytes = (int)Math.Min(Positive(name, Value()), int.MaxValue); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        if (!CollectorAddress.TryParse(options.Collector, out _))
            throw new ArgumentException($"the collector address '{Encoding.UTF8.GetString(options.Collector)}' is not HOST[:PORT]");
        return options;
    }

    private static bool OnOff(string name, string text) => text switch
    {
        "1" or "on" or "yes" or "true" => true,
        "0" or "off" or "no" or "false" => false,
        _ => throw new ArgumentException($"{name} must be on or off (1 or 0), not '{text}'"),
    };

    private static double Positive(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 1
            ? value
            : throw new ArgumentException($"{name} must be a number of at least 1, not '{text}'");
}
