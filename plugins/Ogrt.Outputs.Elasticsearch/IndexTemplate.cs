using System.Buffers;
using System.Text.Json;

namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// The index template with explicit mappings for records (docs/elasticsearch.md explains the
/// choices): keyword for paths, ids and names, epoch-second dates, shared objects as a plain
/// object array, unknown fields kept in _source but not indexed (no mapping explosion).
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
        Keyword(writer, "binpath");
        Field(writer, "pid", "long");
        Field(writer, "parent_pid", "long");
        // Stored as upstream sends it (epoch seconds); queries may also use ISO 8601 dates, and
        // the ISO format, listed first, is how aggregation keys and range bounds are printed.
        writer.WriteStartObject("time");
        writer.WriteString("type", "date");
        writer.WriteString("format", "strict_date_optional_time||epoch_second");
        writer.WriteEndObject();
        Keyword(writer, "signature");
        Keyword(writer, "job_id");
        Keyword(writer, "username");
        Keyword(writer, "hostname");
        writer.WriteStartObject("cmdline");
        writer.WriteString("type", "text");
        writer.WriteStartObject("fields");
        Keyword(writer, "keyword");
        writer.WriteEndObject();
        writer.WriteEndObject();
        Keyword(writer, "environment_variables");
        Keyword(writer, "arguments");
        writer.WriteStartObject("shared_objects");
        writer.WriteStartObject("properties");
        Keyword(writer, "path");
        Keyword(writer, "signature");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteStartObject("loaded_modules");
        writer.WriteStartObject("properties");
        Keyword(writer, "name");
        writer.WriteEndObject();
        writer.WriteEndObject();
        Field(writer, "uid", "long");
        Field(writer, "gid", "long");
        Keyword(writer, "cwd");
        Field(writer, "time_us", "long");
        Keyword(writer, "agent_version");
        Field(writer, "truncated", "boolean");
        Keyword(writer, "anomalies");
        Field(writer, "received_at", "date");
        Keyword(writer, "source_address");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

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
