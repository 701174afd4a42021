using System.Text;
using System.Text.Json;
using Ogrt.Outputs.Sdk.Batches;
using Ogrt.Outputs.Sdk.Buffers;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// Writes records as a <c>_bulk</c> NDJSON body: an action line (<c>index</c> into a dated
/// index, or <c>create</c> into a data stream, with the record's <see cref="DocumentId"/>) and
/// the record's canonical JSON per record, plus <c>@timestamp</c> for data streams and, for an end
/// record, <c>start_id</c>: the id of its start record's document. One instance
/// serves one batch (it caches the last index name), so it needs no locking.
/// </summary>
internal sealed class BulkBodyWriter : JsonLinesBodyWriter
{
    // The latest time a date_nanos field (the data stream's @timestamp) can hold, 2262-04-11:
    // nanoseconds since the epoch in a long.
    private const long MaxTimestampMicroseconds = long.MaxValue / 1000;

    /// <summary>The member of an end record's document that holds its start record's <c>_id</c>.</summary>
    public const string StartIdField = "start_id";

    private static readonly byte[] StartIdFieldUtf8 = Encoding.UTF8.GetBytes(StartIdField);

    private readonly ElasticsearchSettings _settings;
    private readonly byte[]? _dataStreamName;
    private long _cachedSeconds = long.MinValue;
    private string _cachedIndex = "";
    private byte[] _cachedIndexBytes = [];

    public BulkBodyWriter(ElasticsearchSettings settings)
    {
        _settings = settings;
        if (settings.DataStream is not null)
            _dataStreamName = Encoding.UTF8.GetBytes(settings.DataStream);
    }

    protected override void WriteEntry(ByteBuffer body, Utf8JsonWriter writer, ProcessRecord record)
    {
        WriteAction(body, record);
        writer.Reset(body);
        ProcessRecordJson.Write(writer, record);
        writer.Flush();
        if (record.Kind == RecordKind.End)
            AppendStartId(body, record);
        if (_dataStreamName is not null)
            AppendTimestamp(body, record);
    }

    // Index names are validated and ids are base64url, so neither needs JSON escaping.
    private void WriteAction(ByteBuffer body, ProcessRecord record)
    {
        body.Write(_dataStreamName is null ? "{\"index\":{\"_index\":\""u8 : "{\"create\":{\"_index\":\""u8);
        body.Write(_dataStreamName ?? IndexFor(record));
        body.Write("\",\"_id\":\""u8);
        DocumentId.Write(record, body.GetSpan(DocumentId.Length));
        body.Advance(DocumentId.Length);
        body.Write("\"}}\n"u8);
    }

    /// <summary>
    /// The dated index of the time the collector received the record. The record's own time
    /// comes from the sender: any user could create an index per day from 1970 to 9999 and
    /// exhaust the cluster's shards.
    /// </summary>
    private byte[] IndexFor(ProcessRecord record)
    {
        long seconds = record.ReceivedAt.ToUnixTimeSeconds();
        if (seconds != _cachedSeconds)
        {
            // Records of one batch mostly share a day: keep the bytes unless the name changed.
            string index = _settings.Index!.Format(seconds);
            if (index != _cachedIndex)
            {
                _cachedIndex = index;
                _cachedIndexBytes = Encoding.UTF8.GetBytes(index);
            }
            _cachedSeconds = seconds;
        }
        return _cachedIndexBytes;
    }

    /// <summary>
    /// Replaces an end record's closing brace with the <c>_id</c> of the start record it ends, so
    /// the two documents can be joined (an <c>ids</c> query, or a terms lookup on this field).
    /// </summary>
    private static void AppendStartId(ByteBuffer body, ProcessRecord record)
    {
        body.Truncate(body.Length - 1);
        body.Write(",\""u8);
        body.Write(StartIdFieldUtf8);
        body.Write("\":\""u8);
        DocumentId.WriteStart(record, body.GetSpan(DocumentId.Length));
        body.Advance(DocumentId.Length);
        body.Write("\"}"u8);
    }

    /// <summary>
    /// Replaces the record object's closing brace with an <c>@timestamp</c> member (microsecond
    /// precision when the agent sent time_us), as data streams require.
    /// </summary>
    private static void AppendTimestamp(ByteBuffer body, ProcessRecord record)
    {
        body.Truncate(body.Length - 1);
        body.Write(",\"@timestamp\":\""u8);
        // Clamped to what a date_nanos field holds; the record keeps its own time and time_us.
        long microseconds = record.TimeMicroseconds
            ?? Math.Clamp(record.Time, 0, MaxTimestampMicroseconds / 1_000_000) * 1_000_000;
        var time = DateTime.UnixEpoch.AddTicks(Math.Clamp(microseconds, 0, MaxTimestampMicroseconds) * 10);
        var span = body.GetSpan(32);
        time.TryFormat(span, out int written, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        body.Advance(written);
        body.Write("\"}"u8);
    }
}
