using System.Text;
using System.Text.Json;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Shared;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// Writes records as a <c>_bulk</c> NDJSON body: an action line (<c>index</c> into a dated
/// index, or <c>create</c> into a data stream) and the record's canonical JSON per record,
/// plus <c>@timestamp</c> for data streams. One instance serves one batch (it caches the
/// action line of the last index name), so it needs no locking.
/// </summary>
internal sealed class BulkBodyWriter
{
    private readonly ElasticsearchSettings _settings;
    private readonly byte[]? _dataStreamAction;
    private long _cachedSeconds = long.MinValue;
    private string? _cachedIndex;
    private byte[] _cachedAction = [];

    public BulkBodyWriter(ElasticsearchSettings settings)
    {
        _settings = settings;
        if (settings.DataStream is not null)
            _dataStreamAction = ActionLine("create", settings.DataStream);
    }

    /// <summary>
    /// Fills <paramref name="body"/> with the records from <paramref name="start"/> on, as many as
    /// fit MaxBulkRecords and MaxBulkBytes (at least one, however large), and returns how many.
    /// </summary>
    public int Write(ByteBuffer body, IReadOnlyList<ProcessRecord> batch, int start)
    {
        body.Clear();
        using var writer = new Utf8JsonWriter(body, ProcessRecordJson.WriterOptions);
        int count = 0;
        for (int i = start; i < batch.Count && count < _settings.MaxBulkRecords; i++)
        {
            var record = batch[i];
            int itemStart = body.Length;
            body.Write(ActionFor(record));
            writer.Reset(body);
            ProcessRecordJson.Write(writer, record);
            writer.Flush();
            if (_dataStreamAction is not null)
                AppendTimestamp(body, record);
            body.Write("\n"u8);
            if (body.Length > _settings.MaxBulkBytes && count > 0)
            {
                body.Truncate(itemStart);
                break;
            }
            count++;
        }
        return count;
    }

    private byte[] ActionFor(ProcessRecord record)
    {
        if (_dataStreamAction is not null)
            return _dataStreamAction;
        if (record.Time != _cachedSeconds)
        {
            // Records of one batch mostly share a day: keep the bytes unless the name changed.
            string index = _settings.Index!.Format(record.Time);
            if (index != _cachedIndex)
            {
                _cachedIndex = index;
                _cachedAction = ActionLine("index", index);
            }
            _cachedSeconds = record.Time;
        }
        return _cachedAction;
    }

    /// <summary>
    /// Replaces the record object's closing brace with an <c>@timestamp</c> member (microsecond
    /// precision when the agent sent time_us), as data streams require.
    /// </summary>
    private static void AppendTimestamp(ByteBuffer body, ProcessRecord record)
    {
        body.Truncate(body.Length - 1);
        body.Write(",\"@timestamp\":\""u8);
        var time = record.TimeMicroseconds is { } microseconds
            ? DateTime.UnixEpoch.AddTicks(Math.Clamp(microseconds, 0, 253_402_300_799_999_999L) * 10)
            : DateTime.UnixEpoch.AddSeconds(Math.Clamp(record.Time, 0, 253_402_300_799L));
        var span = body.GetSpan(32);
        time.TryFormat(span, out int written, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        body.Advance(written);
        body.Write("\"}"u8);
    }

    // Index names are validated (no quotes or backslashes), so they need no JSON escaping.
    private static byte[] ActionLine(string action, string index) =>
        Encoding.UTF8.GetBytes($$$"""{"{{{action}}}":{"_index":"{{{index}}}"}}""" + "\n");
}
