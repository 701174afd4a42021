using Ogrt.Protocol;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// A record kind's message type and schema, and the fields that make up the key of the run it
/// belongs to (host, pid, start time, executable): an end record repeats its start's key, so
/// outputs can join the two.
/// </summary>
public sealed class RecordSchema
{
    public static RecordSchema Start { get; } = new(
        RecordKind.Start, MessageType.ProcessInfoMsg, MessageSchema.For(ProcessInfo.Descriptor),
        hostname: ProcessInfo.HostnameFieldNumber, pid: ProcessInfo.PidFieldNumber, binpath: ProcessInfo.BinpathFieldNumber,
        startSeconds: ProcessInfo.TimeFieldNumber, startMicroseconds: ProcessInfo.TimeUsFieldNumber);

    public static RecordSchema End { get; } = new(
        RecordKind.End, MessageType.ProcessEndMsg, MessageSchema.For(ProcessEnd.Descriptor),
        hostname: ProcessEnd.HostnameFieldNumber, pid: ProcessEnd.PidFieldNumber, binpath: ProcessEnd.BinpathFieldNumber,
        startSeconds: null, startMicroseconds: ProcessEnd.StartTimeUsFieldNumber);

    private RecordSchema(RecordKind kind, MessageType type, MessageSchema message, int hostname, int pid, int binpath, int? startSeconds, int startMicroseconds)
    {
        Kind = kind;
        MessageType = type;
        Message = message;
        Hostname = message[hostname];
        Pid = message[pid];
        Binpath = message[binpath];
        StartSeconds = startSeconds is { } seconds ? message[seconds] : null;
        StartMicroseconds = message[startMicroseconds];
    }

    public RecordKind Kind { get; }

    public MessageType MessageType { get; }

    public MessageSchema Message { get; }

    internal SchemaField Hostname { get; }

    internal SchemaField Pid { get; }

    internal SchemaField Binpath { get; }

    /// <summary>The start time in seconds; null when only microseconds are sent (ProcessEnd).</summary>
    internal SchemaField? StartSeconds { get; }

    internal SchemaField StartMicroseconds { get; }

    /// <summary>Both kinds, in the order of <see cref="RecordKind"/>.</summary>
    public static IReadOnlyList<RecordSchema> All { get; } = [Start, End];

    public static RecordSchema For(RecordKind kind) => kind == RecordKind.End ? End : Start;

    /// <summary>The schema of a datagram's message type, or null for a type records are not made of.</summary>
    public static RecordSchema? ForMessageType(uint type) =>
        type == (uint)MessageType.ProcessInfoMsg ? Start : type == (uint)MessageType.ProcessEndMsg ? End : null;
}
