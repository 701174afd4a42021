using System.Text.Json;
using Ogrt.Outputs.Sdk.Batches;
using Ogrt.Outputs.Sdk.Buffers;

namespace Ogrt.Outputs.Splunk.Hec;

/// <summary>
/// Writes records as HEC events, concatenated as the event endpoint accepts them:
/// <c>{"time":1700000000.123456,"host":"node01","source":"ogrt","sourcetype":"ogrt","index":"hpc","event":{record}}</c>.
/// </summary>
internal sealed class HecEventWriter(SplunkHecSettings settings) : JsonLinesBodyWriter
{
    private readonly JsonEncodedText _source = JsonEncodedText.Encode(settings.Source, ProcessRecordJson.WriterOptions.Encoder);
    private readonly JsonEncodedText _sourceType = JsonEncodedText.Encode(settings.SourceType, ProcessRecordJson.WriterOptions.Encoder);
    private readonly JsonEncodedText? _index = settings.Index is null ? null : JsonEncodedText.Encode(settings.Index, ProcessRecordJson.WriterOptions.Encoder);

    protected override void WriteEntry(ByteBuffer body, Utf8JsonWriter writer, ProcessRecord record)
    {
        writer.Reset(body);
        writer.WriteStartObject();
        // HEC takes epoch seconds with a fraction; decimal prints the microseconds exactly.
        writer.WriteNumber("time"u8, record.TimeMicroseconds is { } microseconds ? microseconds / 1_000_000m : record.Time);
        if (record.Hostname is not null)
            writer.WriteString("host"u8, record.Hostname);
        writer.WriteString("source"u8, _source);
        writer.WriteString("sourcetype"u8, _sourceType);
        if (_index is { } index)
            writer.WriteString("index"u8, index);
        writer.WritePropertyName("event"u8);
        ProcessRecordJson.Write(writer, record);
        writer.WriteEndObject();
        writer.Flush();
    }
}
