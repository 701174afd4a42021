using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ogrt.Outputs.Abstractions.Schema;

namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// The canonical JSON shape of a record, shared by every output: the fields of its message in
/// ogrt.proto's order under their ogrt.proto names (upstream's snake_case fields, then the
/// OGRT.NET additions; absent fields, false bools and empty lists are omitted, as the upstream
/// server's omitempty encoding does), then what the collector adds. An end record starts with
/// <c>"record":"end"</c>; a start record has no such member, so its JSON is what it always was.
/// </summary>
public static class ProcessRecordJson
{
    /// <summary>
    /// Writer options for records: no indentation, and no HTML-oriented escaping, so paths such
    /// as <c>/usr/bin/g++</c> stay readable. Control characters and quotes are still escaped.
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    /// <summary>The members the collector adds after the message's fields, for the index mapping.</summary>
    public static class CollectorFields
    {
        /// <summary>"end" on end records (absent on start records).</summary>
        public const string Record = "record";

        /// <summary>What is implausible about the record (<see cref="RecordAnomalies"/>), as field names.</summary>
        public const string Anomalies = "anomalies";

        public const string ReceivedAt = "received_at";

        public const string SourceAddress = "source_address";
    }

    /// <summary>Writes the record as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(record);

        writer.WriteStartObject();
        if (record.Kind == RecordKind.End)
            writer.WriteString(Names.Record, Names.End);
        WriteFields(writer, record);
        WriteAnomalies(writer, record.Anomalies);
        writer.WriteString(Names.ReceivedAt, record.ReceivedAt.UtcDateTime);
        if (record.SourceAddress is not null)
            writer.WriteString(Names.SourceAddress, record.SourceAddress);
        writer.WriteEndObject();
    }

    private static void WriteFields(Utf8JsonWriter writer, RecordMessage message)
    {
        var fields = message.Schema.FieldArray;
        for (int i = 0; i < fields.Length; i++)
        {
            var field = fields[i];
            if (!field.HoldsObject)
            {
                WriteNumber(writer, field, message);
                continue;
            }
            if (field.IsRepeated && message.SharedListAt(field) is { } shared)
            {
                writer.WritePropertyName(field.JsonName);
                writer.WriteRawValue(shared.JsonArray(SerializeArray), skipInputValidation: true);
                continue;
            }
            object? value = message.ObjectAt(field);
            if (value is null)
                continue;
            // The reader stores each kind as one type (see RecordMessage), so no cast needs checking.
            if (field.Kind == FieldKind.Text)
            {
                if (!field.IsRepeated)
                {
                    writer.WriteString(field.JsonName, Unsafe.As<string>(value));
                    continue;
                }
                writer.WritePropertyName(field.JsonName);
                WriteArray(writer, Unsafe.As<string[]>(value));
                continue;
            }
            if (!field.IsRepeated)
            {
                WriteMessage(writer, field.JsonName, Unsafe.As<RecordMessage>(value));
                continue;
            }
            writer.WritePropertyName(field.JsonName);
            WriteArray(writer, Unsafe.As<RecordMessage[]>(value));
        }
    }

    private static void WriteArray(Utf8JsonWriter writer, string[] texts)
    {
        writer.WriteStartArray();
        foreach (string text in texts)
            writer.WriteStringValue(text);
        writer.WriteEndArray();
    }

    private static void WriteArray(Utf8JsonWriter writer, RecordMessage[] messages)
    {
        writer.WriteStartArray();
        foreach (var nested in messages)
            WriteObject(writer, nested);
        writer.WriteEndArray();
    }

    /// <summary>A list shared between records, as the JSON array it keeps.</summary>
    private static byte[] SerializeArray(SharedList list) => ToUtf8(list.Items, static (writer, items) =>
    {
        if (items is string[] texts)
            WriteArray(writer, texts);
        else
            WriteArray(writer, (RecordMessage[])items);
    }, initialCapacity: 1024);

    private static void WriteMessage(Utf8JsonWriter writer, JsonEncodedText name, RecordMessage message)
    {
        writer.WritePropertyName(name);
        WriteObject(writer, message);
    }

    /// <summary>A nested message as an object; a shared one as the JSON it keeps.</summary>
    private static void WriteObject(Utf8JsonWriter writer, RecordMessage message)
    {
        if (message.IsShared)
        {
            writer.WriteRawValue(message.JsonObject(SerializeObject), skipInputValidation: true);
            return;
        }
        WriteFieldsAsObject(writer, message);
    }

    private static void WriteFieldsAsObject(Utf8JsonWriter writer, RecordMessage message)
    {
        writer.WriteStartObject();
        WriteFields(writer, message);
        writer.WriteEndObject();
    }

    private static byte[] SerializeObject(RecordMessage message) => ToUtf8(message, WriteFieldsAsObject, initialCapacity: 256);

    /// <summary>What <paramref name="write"/> writes for <paramref name="value"/>, as a new array.</summary>
    private static byte[] ToUtf8<T>(T value, Action<Utf8JsonWriter, T> write, int initialCapacity)
    {
        var buffer = new ArrayBufferWriter<byte>(initialCapacity);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer, value);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNumber(Utf8JsonWriter writer, SchemaField field, RecordMessage message)
    {
        if (!message.NumberAt(field, out long value))
            return;
        if (field.Kind != FieldKind.Bool)
            writer.WriteNumber(field.JsonName, value);
        else if (value != 0)
            writer.WriteBoolean(field.JsonName, true);
    }

    /// <summary>
    /// Appends the record as one JSON Lines line (the object and a '\n'). Creates a writer per
    /// call; hot paths keep one <see cref="Utf8JsonWriter"/> and call <see cref="Write"/>.
    /// </summary>
    public static void WriteLine(IBufferWriter<byte> output, ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(output);
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            Write(writer, record);
        }
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }

    /// <summary>The record as a UTF-8 JSON object, without a line break.</summary>
    public static byte[] ToUtf8Bytes(ProcessRecord record) => ToUtf8(record, Write, initialCapacity: 4096);

    private static void WriteAnomalies(Utf8JsonWriter writer, RecordAnomalies anomalies)
    {
        if (anomalies == RecordAnomalies.None)
            return;
        writer.WriteStartArray(Names.Anomalies);
        if (anomalies.HasFlag(RecordAnomalies.Pid))
            writer.WriteStringValue(Names.Pid);
        if (anomalies.HasFlag(RecordAnomalies.Time))
            writer.WriteStringValue(Names.Time);
        writer.WriteEndArray();
    }

    /// <summary>Pre-encoded names of what the collector adds; field names come from the schema.</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Record = JsonEncodedText.Encode(CollectorFields.Record);
        public static readonly JsonEncodedText End = JsonEncodedText.Encode("end");
        public static readonly JsonEncodedText Anomalies = JsonEncodedText.Encode(CollectorFields.Anomalies);
        public static readonly JsonEncodedText Pid = JsonEncodedText.Encode("pid");
        public static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
        public static readonly JsonEncodedText ReceivedAt = JsonEncodedText.Encode(CollectorFields.ReceivedAt);
        public static readonly JsonEncodedText SourceAddress = JsonEncodedText.Encode(CollectorFields.SourceAddress);
    }
}
