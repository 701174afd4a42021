using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Ogrt.Outputs.Sdk.Metrics;

/// <summary>
/// The per-output instruments of an output that talks to a destination: records sent,
/// retried, failed, dead-lettered and replayed, records per request and request latency, all
/// named <c>ogrt.collector.output.*</c> like the collector's own. Every measurement carries the
/// output's <c>MetricTags</c> (<c>output</c>, <c>type</c>); failures add a <c>reason</c> tag.
/// </summary>
public sealed class OutputMetrics
{
    /// <summary>The prefix of every output instrument, the collector's own metric prefix.</summary>
    public const string Prefix = "ogrt.collector.output";

    // One set of instruments per meter, however many outputs exist: instruments are told
    // apart by the output's tags, not by duplicate registrations.
    private static readonly ConditionalWeakTable<Meter, Instruments> InstrumentsByMeter = new();

    private readonly Instruments _instruments;
    private readonly TagList _tags;

    public OutputMetrics(Meter meter, TagList tags)
    {
        _instruments = InstrumentsByMeter.GetValue(meter, created => new Instruments(created));
        _tags = tags;
    }

    public void Sent(int records) => Add(_instruments.Sent, records);

    public void Retried(int records) => Add(_instruments.Retried, records);

    public void DeadLettered(int records) => Add(_instruments.DeadLettered, records);

    /// <summary>Records sent again after a connection loss although already reported delivered (possible duplicates).</summary>
    public void Replayed(int records) => Add(_instruments.Replayed, records);

    /// <summary>Records of a request that failed as a whole, by reason (auth, timeout, connection, status_503…).</summary>
    public void Failed(int records, string reason)
    {
        var tags = _tags;
        tags.Add("reason", reason);
        _instruments.Failed.Add(records, tags);
    }

    public void Request(int records, TimeSpan latency)
    {
        _instruments.BatchSize.Record(records, _tags);
        _instruments.Latency.Record(latency.TotalSeconds, _tags);
    }

    private void Add(Counter<long> counter, int records)
    {
        if (records > 0)
            counter.Add(records, _tags);
    }

    private sealed class Instruments(Meter meter)
    {
        public Counter<long> Sent { get; } = meter.CreateCounter<long>($"{Prefix}.records.sent", "{record}", "Records the destination accepted.");
        public Counter<long> Retried { get; } = meter.CreateCounter<long>($"{Prefix}.records.retried", "{record}", "Records the destination refused transiently, handed back for retry.");
        public Counter<long> Failed { get; } = meter.CreateCounter<long>($"{Prefix}.records.failed", "{record}", "Records of requests that failed as a whole (the pipeline retries them).");
        public Counter<long> DeadLettered { get; } = meter.CreateCounter<long>($"{Prefix}.records.dead_lettered", "{record}", "Records the destination rejected for good, kept in the dead-letter file.");
        public Counter<long> Replayed { get; } = meter.CreateCounter<long>($"{Prefix}.records.replayed", "{record}", "Records sent again on a new connection because the old one may have lost them; possible duplicates.");
        public Histogram<int> BatchSize { get; } = meter.CreateHistogram<int>($"{Prefix}.request.records", "{record}", "Records per request.");
        public Histogram<double> Latency { get; } = meter.CreateHistogram<double>($"{Prefix}.request.duration", "s", "Duration of a request, including a failed one.");
    }
}
