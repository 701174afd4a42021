using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ogrt.Outputs.Abstractions;

/// <summary>
/// The canonical JSON shape of a record, shared by every output: upstream OGRT's snake_case
/// fields in upstream's order (absent optional fields and empty lists are omitted, as the
/// upstream server's omitempty encoding does), then the OGRT.NET additions.
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

    /// <summary>Writes the record as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(record);

        writer.WriteStartObject();
        writer.WriteString(Names.Binpath, record.Binpath);
        writer.WriteNumber(Names.Pid, record.Pid);
        writer.WriteNumber(Names.ParentPid, record.ParentPid);
        writer.WriteNumber(Names.Time, record.Time);
        WriteOptional(writer, Names.Signature, record.Signature);
        WriteOptional(writer, Names.JobId, record.JobId);
        WriteOptional(writer, Names.Username, record.Username);
        WriteOptional(writer, Names.Hostname, record.Hostname);
        WriteOptional(writer, Names.Cmdline, record.Cmdline);
        WriteStrings(writer, Names.EnvironmentVariables, record.EnvironmentVariables);
        WriteStrings(writer, Names.Arguments, record.Arguments);

        if (record.SharedObjects.Count > 0)
        {
            writer.WriteStartArray(Names.SharedObjects);
            // Indexed loops: foreach over IReadOnlyList<T> boxes an enumerator per list.
            for (int i = 0; i < record.SharedObjects.Count; i++)
            {
                var sharedObject = record.SharedObjects[i];
                writer.WriteStartObject();
                writer.WriteString(Names.Path, sharedObject.Path);
                WriteOptional(writer, Names.Signature, sharedObject.Signature);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }

        if (record.LoadedModules.Count > 0)
        {
            writer.WriteStartArray(Names.LoadedModules);
            for (int i = 0; i < record.LoadedModules.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString(Names.Name, record.LoadedModules[i].Name);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }

        if (record.Uid is { } uid)
            writer.WriteNumber(Names.Uid, uid);
        if (record.Gid is { } gid)
            writer.WriteNumber(Names.Gid, gid);
        WriteOptional(writer, Names.Cwd, record.Cwd);
        if (record.TimeMicroseconds is { } timeUs)
            writer.WriteNumber(Names.TimeUs, timeUs);
        WriteOptional(writer, Names.AgentVersion, record.AgentVersion);
        if (record.Truncated)
            writer.WriteBoolean(Names.Truncated, true);
        WriteAnomalies(writer, record.Anomalies);
        writer.WriteString(Names.ReceivedAt, record.ReceivedAt.UtcDateTime);
        WriteOptional(writer, Names.SourceAddress, record.SourceAddress);
        writer.WriteEndObject();
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
    public static byte[] ToUtf8Bytes(ProcessRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, record);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteOptional(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
            writer.WriteString(name, value);
    }

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

    private static void WriteStrings(Utf8JsonWriter writer, JsonEncodedText name, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
            return;
        writer.WriteStartArray(name);
        for (int i = 0; i < values.Count; i++)
            writer.WriteStringValue(values[i]);
        writer.WriteEndArray();
    }

    /// <summary>Pre-encoded property names, so writing a record does not re-encode them.</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Binpath = JsonEncodedText.Encode("binpath");
        public static readonly JsonEncodedText Anomalies = JsonEncodedText.Encode("anomalies");
        public static readonly JsonEncodedText Pid = JsonEncodedText.Encode("pid");
        public static readonly JsonEncodedText ParentPid = JsonEncodedText.Encode("parent_pid");
        public static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
        public static readonly JsonEncodedText Signature = JsonEncodedText.Encode("signature");
        public static readonly JsonEncodedText JobId = JsonEncodedText.Encode("job_id");
        public static readonly JsonEncodedText Username = JsonEncodedText.Encode("username");
        public static readonly JsonEncodedText Hostname = JsonEncodedText.Encode("hostname");
        public static readonly JsonEncodedText Cmdline = JsonEncodedText.Encode("cmdline");
        public static readonly JsonEncodedText EnvironmentVariables = JsonEncodedText.Encode("environment_variables");
        public static readonly JsonEncodedText Arguments = JsonEncodedText.Encode("arguments");
        public static readonly JsonEncodedText SharedObjects = JsonEncodedText.Encode("shared_objects");
        public static readonly JsonEncodedText Path = JsonEncodedText.Encode("path");
        public static readonly JsonEncodedText LoadedModules = JsonEncodedText.Encode("loaded_modules");
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText Uid = JsonEncodedText.Encode("uid");
        public static readonly JsonEncodedText Gid = JsonEncodedText.Encode("gid");
        public static readonly JsonEncodedText Cwd = JsonEncodedText.Encode("cwd");
        public static readonly JsonEncodedText TimeUs = JsonEncodedText.Encode("time_us");
        public static readonly JsonEncodedText AgentVersion = JsonEncodedText.Encode("agent_version");
        public static readonly JsonEncodedText Truncated = JsonEncodedText.Encode("truncated");
        public static readonly JsonEncodedText ReceivedAt = JsonEncodedText.Encode("received_at");
        public static readonly JsonEncodedText SourceAddress = JsonEncodedText.Encode("source_address");
    }
}
