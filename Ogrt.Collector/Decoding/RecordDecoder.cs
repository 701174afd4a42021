using System.Runtime.CompilerServices;
using Ogrt.Outputs.Abstractions;
using Ogrt.Protocol;

namespace Ogrt.Collector.Decoding;

/// <summary>
/// Validates one datagram (header, length, protobuf, required fields) and maps it to a
/// <see cref="ProcessRecord"/>. Reads the ProcessInfo wire format directly (field numbers from
/// protocol/ogrt.proto) so that repeated values come from a <see cref="StringTable"/> instead of
/// being allocated for every record; tests check it against the generated Google.Protobuf parser.
/// </summary>
/// <remarks>Not thread-safe: one decoder per decoding thread.</remarks>
public sealed class RecordDecoder
{
    private const int MaxPayloadSize = MessageFrame.MaxDatagramSize - MessageFrame.HeaderSize;

    // Field numbers of ogrt.proto.
    private const int BinpathField = 300, PidField = 301, ParentPidField = 302, TimeField = 303, SignatureField = 304;
    private const int JobIdField = 305, UsernameField = 306, HostnameField = 307, CmdlineField = 308;
    private const int EnvironmentField = 309, ArgumentsField = 310, SharedObjectsField = 311, LoadedModulesField = 312;
    private const int UidField = 1000, GidField = 1001, CwdField = 1002, TimeUsField = 1003, AgentVersionField = 1004, TruncatedField = 1005;
    private const int SharedObjectPathField = 400, SharedObjectSignatureField = 401, ModuleNameField = 700;

    private readonly StringTable _strings = new();

    // Records share these immutable instances: the same library with the same watermark.
    private readonly SharedObjectRecord?[] _sharedObjects = new SharedObjectRecord?[4096];
    private readonly ModuleRecord?[] _modules = new ModuleRecord?[1024];

    // Scratch lists reused across datagrams; each record gets right-sized arrays.
    private readonly List<string> _environment = new(64);
    private readonly List<string> _arguments = new(16);
    private readonly List<SharedObjectRecord> _sharedObjectList = new(64);
    private readonly List<ModuleRecord> _moduleList = new(8);

    /// <summary>Decodes a datagram; on failure returns false with the reason and a detail for the log.</summary>
    public bool TryDecode(
        ReadOnlySpan<byte> datagram,
        DateTimeOffset receivedAt,
        string? sourceAddress,
        out ProcessRecord? record,
        out MalformedReason? reason,
        out string? detail)
    {
        record = null;
        if (!MessageFrame.TryReadHeader(datagram, out uint type, out uint declaredLength))
            return Fail(MalformedReason.TooShort, $"{datagram.Length} bytes, the header alone is {MessageFrame.HeaderSize}", out reason, out detail);
        if (type != (uint)MessageType.ProcessInfoMsg)
            return Fail(MalformedReason.UnknownType, $"message type {type}, expected {(uint)MessageType.ProcessInfoMsg}", out reason, out detail);
        if (datagram.Length > MessageFrame.MaxDatagramSize || declaredLength > MaxPayloadSize)
            return Fail(MalformedReason.Oversized, $"{datagram.Length} bytes with a declared payload of {declaredLength}, the limit is {MessageFrame.MaxDatagramSize}", out reason, out detail);
        int payloadLength = datagram.Length - MessageFrame.HeaderSize;
        if (declaredLength != payloadLength)
            return Fail(MalformedReason.LengthMismatch, $"header declares {declaredLength} payload bytes, {payloadLength} arrived", out reason, out detail);

        try
        {
            return TryParseProcessInfo(datagram[MessageFrame.HeaderSize..], receivedAt, sourceAddress, out record, out reason, out detail);
        }
        finally
        {
            _environment.Clear();
            _arguments.Clear();
            _sharedObjectList.Clear();
            _moduleList.Clear();
        }
    }

    private bool TryParseProcessInfo(
        ReadOnlySpan<byte> payload, DateTimeOffset receivedAt, string? sourceAddress,
        out ProcessRecord? record, out MalformedReason? reason, out string? detail)
    {
        record = null;
        string? binpath = null, signature = null, jobId = null, username = null, hostname = null, cmdline = null, cwd = null, agentVersion = null;
        int? pid = null, parentPid = null;
        long? time = null, timeUs = null;
        uint? uid = null, gid = null;
        bool truncated = false;

        var reader = new WireReader(payload);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out int field, out int wireType))
                return Fail(MalformedReason.InvalidProtobuf, "a field key is malformed", out reason, out detail);

            bool ok = true;
            ulong number = 0;
            ReadOnlySpan<byte> bytes = default;
            if (wireType == WireReader.Varint && IsVarintField(field))
                ok = reader.TryReadVarint(out number);
            else if (wireType == WireReader.LengthDelimited && IsLengthDelimitedField(field))
                ok = reader.TryReadLengthDelimited(out bytes);
            else
                ok = reader.TrySkip(wireType); // Unknown field, or a known one with another wire type: protobuf skips both.
            if (!ok)
                return Fail(MalformedReason.InvalidProtobuf, $"field {field} is truncated or malformed", out reason, out detail);

            switch (field)
            {
                case BinpathField when wireType == WireReader.LengthDelimited: binpath = _strings.Get(bytes); break;
                case PidField when wireType == WireReader.Varint: pid = (int)number; break;
                case ParentPidField when wireType == WireReader.Varint: parentPid = (int)number; break;
                case TimeField when wireType == WireReader.Varint: time = (long)number; break;
                case SignatureField when wireType == WireReader.LengthDelimited: signature = _strings.Get(bytes); break;
                case JobIdField when wireType == WireReader.LengthDelimited: jobId = _strings.Get(bytes); break;
                case UsernameField when wireType == WireReader.LengthDelimited: username = _strings.Get(bytes); break;
                case HostnameField when wireType == WireReader.LengthDelimited: hostname = _strings.Get(bytes); break;
                case CmdlineField when wireType == WireReader.LengthDelimited: cmdline = _strings.Get(bytes); break;
                case EnvironmentField when wireType == WireReader.LengthDelimited: _environment.Add(_strings.Get(bytes)); break;
                case ArgumentsField when wireType == WireReader.LengthDelimited: _arguments.Add(_strings.Get(bytes)); break;
                case SharedObjectsField when wireType == WireReader.LengthDelimited:
                    if (!TryParseSharedObject(bytes, out var sharedObject, out reason, out detail))
                        return false;
                    _sharedObjectList.Add(sharedObject);
                    break;
                case LoadedModulesField when wireType == WireReader.LengthDelimited:
                    if (!TryParseModule(bytes, out var module, out reason, out detail))
                        return false;
                    _moduleList.Add(module);
                    break;
                case UidField when wireType == WireReader.Varint: uid = (uint)number; break;
                case GidField when wireType == WireReader.Varint: gid = (uint)number; break;
                case CwdField when wireType == WireReader.LengthDelimited: cwd = _strings.Get(bytes); break;
                case TimeUsField when wireType == WireReader.Varint: timeUs = (long)number; break;
                case AgentVersionField when wireType == WireReader.LengthDelimited: agentVersion = _strings.Get(bytes); break;
                case TruncatedField when wireType == WireReader.Varint: truncated = number != 0; break;
            }
        }

        string? missing = binpath is null ? "binpath" : pid is null ? "pid" : parentPid is null ? "parent_pid" : time is null ? "time" : null;
        if (missing is not null)
            return Fail(MalformedReason.MissingField, $"required field {missing} is absent", out reason, out detail);

        record = new ProcessRecord
        {
            Binpath = binpath!,
            Pid = pid!.Value,
            ParentPid = parentPid!.Value,
            Time = time!.Value,
            Signature = signature,
            JobId = jobId,
            Username = username,
            Hostname = hostname,
            Cmdline = cmdline,
            EnvironmentVariables = _environment.Count == 0 ? [] : _environment.ToArray(),
            Arguments = _arguments.Count == 0 ? [] : _arguments.ToArray(),
            SharedObjects = _sharedObjectList.Count == 0 ? [] : _sharedObjectList.ToArray(),
            LoadedModules = _moduleList.Count == 0 ? [] : _moduleList.ToArray(),
            Uid = uid,
            Gid = gid,
            Cwd = cwd,
            TimeMicroseconds = timeUs,
            AgentVersion = agentVersion,
            Truncated = truncated,
            ReceivedAt = receivedAt,
            SourceAddress = sourceAddress,
        };
        reason = null;
        detail = null;
        return true;
    }

    private bool TryParseSharedObject(ReadOnlySpan<byte> message, out SharedObjectRecord sharedObject, out MalformedReason? reason, out string? detail)
    {
        sharedObject = null!;
        string? path = null, signature = null;
        var reader = new WireReader(message);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out int field, out int wireType))
                return Fail(MalformedReason.InvalidProtobuf, "a shared_objects field key is malformed", out reason, out detail);
            if (wireType == WireReader.LengthDelimited && field is SharedObjectPathField or SharedObjectSignatureField)
            {
                if (!reader.TryReadLengthDelimited(out var bytes))
                    return Fail(MalformedReason.InvalidProtobuf, $"shared_objects field {field} is truncated", out reason, out detail);
                if (field == SharedObjectPathField)
                    path = _strings.Get(bytes);
                else
                    signature = _strings.Get(bytes);
            }
            else if (!reader.TrySkip(wireType))
            {
                return Fail(MalformedReason.InvalidProtobuf, $"shared_objects field {field} is truncated or malformed", out reason, out detail);
            }
        }
        if (path is null)
            return Fail(MalformedReason.MissingField, "required field shared_objects.path is absent", out reason, out detail);

        // The strings come from the table, so equal values are usually the same instances.
        int slot = (RuntimeHelpers.GetHashCode(path) ^ (signature is null ? 0 : RuntimeHelpers.GetHashCode(signature))) & (_sharedObjects.Length - 1);
        var cached = _sharedObjects[slot];
        if (cached is not null && ReferenceEquals(cached.Path, path) && ReferenceEquals(cached.Signature, signature))
        {
            sharedObject = cached;
        }
        else
        {
            sharedObject = new SharedObjectRecord(path, signature);
            _sharedObjects[slot] = sharedObject;
        }
        reason = null;
        detail = null;
        return true;
    }

    private bool TryParseModule(ReadOnlySpan<byte> message, out ModuleRecord module, out MalformedReason? reason, out string? detail)
    {
        module = null!;
        string? name = null;
        var reader = new WireReader(message);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out int field, out int wireType))
                return Fail(MalformedReason.InvalidProtobuf, "a loaded_modules field key is malformed", out reason, out detail);
            if (wireType == WireReader.LengthDelimited && field == ModuleNameField)
            {
                if (!reader.TryReadLengthDelimited(out var bytes))
                    return Fail(MalformedReason.InvalidProtobuf, "loaded_modules field 700 is truncated", out reason, out detail);
                name = _strings.Get(bytes);
            }
            else if (!reader.TrySkip(wireType))
            {
                return Fail(MalformedReason.InvalidProtobuf, $"loaded_modules field {field} is truncated or malformed", out reason, out detail);
            }
        }
        if (name is null)
            return Fail(MalformedReason.MissingField, "required field loaded_modules.name is absent", out reason, out detail);

        int slot = RuntimeHelpers.GetHashCode(name) & (_modules.Length - 1);
        var cached = _modules[slot];
        if (cached is not null && ReferenceEquals(cached.Name, name))
        {
            module = cached;
        }
        else
        {
            module = new ModuleRecord(name);
            _modules[slot] = module;
        }
        reason = null;
        detail = null;
        return true;
    }

    private static bool IsVarintField(int field) =>
        field is PidField or ParentPidField or TimeField or UidField or GidField or TimeUsField or TruncatedField;

    private static bool IsLengthDelimitedField(int field) =>
        field is BinpathField or SignatureField or JobIdField or UsernameField or HostnameField or CmdlineField
            or EnvironmentField or ArgumentsField or SharedObjectsField or LoadedModulesField or CwdField or AgentVersionField;

    private static bool Fail(MalformedReason failure, string message, out MalformedReason? reason, out string? detail)
    {
        reason = failure;
        detail = message;
        return false;
    }
}
