using System.Buffers;
using System.Text.Json;
using Ogrt.Outputs.Abstractions.Schema;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// The index template with explicit mappings for start and end records, derived from the
/// record schema (docs/elasticsearch.md explains the choices): keyword for paths, ids and
/// names, long for numbers, epoch-second dates, shared objects as a plain object array, unknown fields kept in _source but not indexed (no mapping explosion).
/// Both APIs get the same shape: the legacy API refuses top-level keys other than
/// index_patterns, order, version, settings, mappings and aliases, so <c>_meta</c> goes in the mappings.
/// </summary>
internal static class IndexTemplate
{
    // Longer values are kept in _source but not indexed, so a huge environment variable can
    // never exceed Lucene's 32 KiB term limit and reject the whole document.
    private const int KeywordIgnoreAbove = 8191;

    /// <summary>The request path and body that install the template.</summary>
    public static (string Path, byte[] Body) Build(ElasticsearchSettings settings)
    {
        string indexPattern = settings.DataStream ?? settings.Index!.TemplatePattern;
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("index_patterns");
            writer.WriteStringValue(indexPattern);
            writer.WriteEndArray();
            if (settings.TemplateApi == TemplateApi.Legacy)
            {
                writer.WriteNumber("order", settings.TemplatePriority);
                WriteMappings(writer, withTimestamp: false);
            }
            else
            {
                writer.WriteNumber("priority", settings.TemplatePriority);
                if (settings.DataStream is not null)
                {
                    writer.WriteStartObject("data_stream");
                    writer.WriteEndObject();
                }
                writer.WriteStartObject("template");
                WriteMappings(writer, withTimestamp: settings.DataStream is not null);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        string api = settings.TemplateApi == TemplateApi.Legacy ? "_template" : "_index_template";
        return ($"{api}/{Uri.EscapeDataString(settings.TemplateName)}", buffer.WrittenSpan.ToArray());
    }

    private static void WriteMappings(Utf8JsonWriter writer, bool withTimestamp)
    {
        writer.WriteStartObject("mappings");
        writer.WriteStartObject("_meta");
        writer.WriteString("managed_by", "ogrt-collector");
        writer.WriteEndObject();
        writer.WriteBoolean("dynamic", false);
        writer.WriteStartObject("properties");
        // date_nanos: a millisecond date would cut the microseconds of time_us off.
        if (withTimestamp)
            Field(writer, "@timestamp", "date_nanos");
        Keyword(writer, ProcessRecordJson.CollectorFields.Record);
        Keyword(writer, BulkBodyWriter.StartIdField);
        // Start and end records share one index: the fields of both messages, each name once.
        var mapped = new Dictionary<string, FieldKind>();
        foreach (var schema in RecordSchema.All)
            WriteFields(writer, schema.Message, mapped);
        Keyword(writer, ProcessRecordJson.CollectorFields.Anomalies);
        Field(writer, ProcessRecordJson.CollectorFields.ReceivedAt, "date");
        Keyword(writer, ProcessRecordJson.CollectorFields.SourceAddress);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// The mapping of every field of a message, by its kind in ogrt.proto: texts are keywords,
    /// numbers longs, nested messages plain object arrays; <see cref="Overrides"/> are the exceptions.
    /// </summary>
    private static void WriteFields(Utf8JsonWriter writer, MessageSchema schema, Dictionary<string, FieldKind> mapped)
    {
        foreach (var field in schema.Fields)
        {
            if (mapped.TryGetValue(field.Name, out var kind))
            {
                // A name both messages use must mean the same; a conflict is a schema error.
                if (kind != field.Kind && !(IsNumber(kind) && IsNumber(field.Kind)))
                    throw new InvalidOperationException($"ogrt.proto declares {field.Name} as {kind} and as {field.Kind}: one index cannot map both");
                continue;
            }
            mapped[field.Name] = field.Kind;
            if (Overrides.TryGetValue(field.Name, out var write))
            {
                write(writer, field.Name);
                continue;
            }
            switch (field.Kind)
            {
                case FieldKind.Text:
                    Keyword(writer, field.Name);
                    break;
                case FieldKind.Bool:
                    Field(writer, field.Name, "boolean");
                    break;
                case FieldKind.Message:
                    writer.WriteStartObject(field.Name);
                    writer.WriteStartObject("properties");
                    WriteFields(writer, field.Message!, []);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
                default:
                    Field(writer, field.Name, "long");
                    break;
            }
        }
    }

    private static bool IsNumber(FieldKind kind) => kind is FieldKind.Int32 or FieldKind.Int64 or FieldKind.UInt32;

    /// <summary>Fields whose mapping is not what their protobuf kind gives.</summary>
    private static readonly Dictionary<string, Action<Utf8JsonWriter, string>> Overrides = new()
    {
        // Stored as upstream sends it (epoch seconds); queries may also use ISO 8601 dates, and
        // the ISO format, listed first, is how aggregation keys and range bounds are printed.
        ["time"] = static (writer, name) =>
        {
            writer.WriteStartObject(name);
            writer.WriteString("type", "date");
            writer.WriteString("format", "strict_date_optional_time||epoch_second");
            writer.WriteEndObject();
        },
        // Searched by words, aggregated by the whole line.
        ["cmdline"] = static (writer, name) =>
        {
            writer.WriteStartObject(name);
            writer.WriteString("type", "text");
            writer.WriteStartObject("fields");
            Keyword(writer, "keyword");
            writer.WriteEndObject();
            writer.WriteEndObject();
        },
    };

    private static void Field(Utf8JsonWriter writer, string name, string type)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type", type);
        writer.WriteEndObject();
    }

    private static void Keyword(Utf8JsonWriter writer, string name)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type", "keyword");
        writer.WriteNumber("ignore_above", KeywordIgnoreAbove);
        writer.WriteEndObject();
    }
}
