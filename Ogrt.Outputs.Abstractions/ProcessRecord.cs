using Ogrt.Outputs.Abstractions.Schema;

namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// One record as the collector received it: a decoded ProcessInfo (a start) or ProcessEnd (an
/// end), its fields as <see cref="RecordSchema"/> reads them from protocol/ogrt.proto, plus
/// what the collector knows about its arrival. Outputs treat it as read-only; the same
/// instance is shared by every output. Created by <see cref="RecordReader"/>.
/// </summary>
public sealed class ProcessRecord : RecordMessage
{
    internal ProcessRecord(RecordSchema schema, object?[] objects, long[] numbers, ulong present, DateTimeOffset receivedAt, string? sourceAddress)
        : base(schema.Message, objects, numbers, present)
    {
        RecordSchema = schema;
        ReceivedAt = receivedAt;
        SourceAddress = sourceAddress;
    }

    public RecordSchema RecordSchema { get; }

    public RecordKind Kind => RecordSchema.Kind;

    /// <summary>When the collector received the datagram.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The sender's address as the collector saw it, e.g. "10.0.0.5".</summary>
    public string? SourceAddress { get; }

    // The key of the run: for an end record, that of its start record.

    public string? Hostname => GetText(RecordSchema.Hostname);

    public int Pid => TryGetNumber(RecordSchema.Pid, out long pid) ? (int)pid : 0;

    public string Binpath => GetText(RecordSchema.Binpath) ?? "";

    /// <summary>Start time, seconds since the Unix epoch (upstream's <c>time</c>).</summary>
    public long Time => RecordSchema.StartSeconds is { } seconds
        ? TryGetNumber(seconds, out long time) ? time : 0
        : (TimeMicroseconds ?? 0) / 1_000_000;

    /// <summary>Start time, microseconds since the Unix epoch; absent when an upstream agent sent the record.</summary>
    public long? TimeMicroseconds => TryGetNumber(RecordSchema.StartMicroseconds, out long microseconds) ? microseconds : null;

    /// <summary>
    /// How far the start <see cref="Time"/> may be from <see cref="ReceivedAt"/> before a start
    /// record is flagged: the agent sends at process start, so more means a wrong clock or a
    /// forged record. (An end record arrives when the run ends, any time after its start.)
    /// </summary>
    public static readonly TimeSpan MaxClockOffset = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Roughly how much managed memory the record takes, counting every string as its own
    /// (UTF-16, object header) even when the decoder shares it with other records: an upper
    /// bound the collector uses to keep its queues within a memory budget. Computed once.
    /// </summary>
    public int ApproximateBytes
    {
        get
        {
            // Computed on first use; a race computes the same value twice, which is harmless.
            if (_approximateBytes == 0)
            {
                const int RecordObject = 96;
                long bytes = RecordObject + MeasureBytes() + (SourceAddress is null ? 0 : 24 + (2L * SourceAddress.Length));
                _approximateBytes = (int)Math.Min(int.MaxValue, bytes);
            }
            return _approximateBytes;
        }
    }

    private int _approximateBytes;

    /// <summary>What is implausible about this record (derived from its fields, not stored).</summary>
    public RecordAnomalies Anomalies
    {
        get
        {
            var anomalies = Pid <= 0 ? RecordAnomalies.Pid : RecordAnomalies.None;
            if (Kind == RecordKind.Start)
            {
                long received = ReceivedAt.ToUnixTimeSeconds();
                long offset = (long)MaxClockOffset.TotalSeconds;
                long time = Time;
                // Compared without subtracting from Time, which the sender chooses and may overflow.
                if (time < received - offset || time > received + offset)
                    anomalies |= RecordAnomalies.Time;
            }
            return anomalies;
        }
    }
}
