using System.Diagnostics;
using System.Diagnostics.Metrics;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Metrics;

/// <summary>
/// The collector's instruments, all on one meter named <see cref="MeterName"/>. Output plugins
/// get the same meter through their OutputContext.
/// </summary>
public sealed class CollectorMetrics
{
    public const string MeterName = "Ogrt.Collector";

    private readonly Counter<long> _datagramsReceived;
    private readonly Counter<long> _datagramsDropped;
    private readonly Counter<long> _datagramsMalformed;
    private readonly Counter<long> _recordsDecoded;
    private readonly Counter<long> _recordsAnomalous;

    public CollectorMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName, typeof(CollectorMetrics).Assembly.GetName().Version?.ToString());
        _datagramsReceived = Meter.CreateCounter<long>("ogrt.collector.datagrams.received", "{datagram}", "Datagrams read from the UDP socket.");
        _datagramsDropped = Meter.CreateCounter<long>("ogrt.collector.datagrams.dropped", "{datagram}", "Datagrams received but not decoded, by reason (receive_queue_full, shutdown).");
        _datagramsMalformed = Meter.CreateCounter<long>("ogrt.collector.datagrams.malformed", "{datagram}", "Datagrams that failed validation, by reason.");
        _recordsDecoded = Meter.CreateCounter<long>("ogrt.collector.records.decoded", "{record}", "Records decoded and handed to the outputs.");
        _recordsAnomalous = Meter.CreateCounter<long>("ogrt.collector.records.anomalous", "{record}", "Records delivered with an implausible field, by reason (pid, time).");
        OutputQueued = Meter.CreateCounter<long>("ogrt.collector.output.queued", "{record}", "Records accepted into an output's queue.");
        OutputWritten = Meter.CreateCounter<long>("ogrt.collector.output.written", "{record}", "Records an output delivered.");
        OutputDropped = Meter.CreateCounter<long>("ogrt.collector.output.dropped", "{record}", "Records an output lost, by reason (overflow, block_timeout, rejected, shutdown).");
        OutputDeadLettered = Meter.CreateCounter<long>("ogrt.collector.output.dead_lettered", "{record}", "Records the destination refused and the output kept in its dead-letter store.");
        OutputRetried = Meter.CreateCounter<long>("ogrt.collector.output.retried", "{record}", "Records scheduled for another write attempt.");
        OutputWriteFailures = Meter.CreateCounter<long>("ogrt.collector.output.write_failures", "{batch}", "Batch writes that threw.");
        OutputSpooled = Meter.CreateCounter<long>("ogrt.collector.output.spooled", "{record}", "Records written to an output's disk spool (memory queue full, or kept at shutdown).");
        OutputReplayed = Meter.CreateCounter<long>("ogrt.collector.output.spool.replayed", "{record}", "Records read back from an output's disk spool into its memory queue.");
        OutputSpoolCorruptBytes = Meter.CreateCounter<long>("ogrt.collector.output.spool.corrupt", "By", "Bytes of damaged or incomplete spool data cut off when the spool was opened.");
        OutputBatchDuration = Meter.CreateHistogram<double>("ogrt.collector.output.batch.duration", "s", "Time of one write of a batch to an output.");
    }

    public Meter Meter { get; }

    public Counter<long> OutputQueued { get; }
    public Counter<long> OutputWritten { get; }
    public Counter<long> OutputDropped { get; }
    public Counter<long> OutputDeadLettered { get; }
    public Counter<long> OutputRetried { get; }
    public Counter<long> OutputWriteFailures { get; }
    public Counter<long> OutputSpooled { get; }
    public Counter<long> OutputReplayed { get; }
    public Counter<long> OutputSpoolCorruptBytes { get; }
    public Histogram<double> OutputBatchDuration { get; }

    public void DatagramsReceived(int count) => _datagramsReceived.Add(count);

    public void DatagramDropped(string reason) => _datagramsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void DatagramMalformed(string reason) => _datagramsMalformed.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static readonly KeyValuePair<string, object?> StartKind = new("kind", "start");
    private static readonly KeyValuePair<string, object?> EndKind = new("kind", "end");

    /// <summary>Counts a decoded record by kind (start or end).</summary>
    public void RecordDecoded(RecordKind kind) => _recordsDecoded.Add(1, kind == RecordKind.End ? EndKind : StartKind);

    /// <summary>Counts a record once per implausible field.</summary>
    public void RecordAnomalous(RecordAnomalies anomalies)
    {
        if (anomalies.HasFlag(RecordAnomalies.Pid))
            _recordsAnomalous.Add(1, new KeyValuePair<string, object?>("reason", "pid"));
        if (anomalies.HasFlag(RecordAnomalies.Time))
            _recordsAnomalous.Add(1, new KeyValuePair<string, object?>("reason", "time"));
    }

    /// <summary>Tags <paramref name="tags"/> plus a reason.</summary>
    public static TagList WithReason(TagList tags, string reason)
    {
        var withReason = tags;
        withReason.Add("reason", reason);
        return withReason;
    }
}
