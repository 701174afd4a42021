using System.Diagnostics.CodeAnalysis;
using Ogrt.Protocol;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// Validates one datagram (header, length, protobuf, required fields) and reads it into a
/// <see cref="ProcessRecord"/> by the <see cref="RecordSchema"/> of its message type, without
/// naming a field: what ogrt.proto declares is what is read. Text values come from a
/// <see cref="StringTable"/>, nested messages from a <see cref="MessageCache"/> (the same
/// library with the same watermark is one instance) and whole repeated fields from a
/// <see cref="ListCache"/> (the same link map, the same environment), so a record costs a few
/// arrays rather than dozens of strings, and a repeat costs no array at all.
/// </summary>
/// <remarks>Not thread-safe: one reader per decoding thread.</remarks>
public sealed class RecordReader
{
    private const int MaxPayloadSize = MessageFrame.MaxDatagramSize - MessageFrame.HeaderSize;

    private readonly StringTable _strings;
    private readonly int _messageCacheCapacity;
    private Scratch?[] _scratch = [];
    private MessageCache?[] _seen = []; // By nested message type.
    private ListCache?[] _lists = []; // By message type.

    public RecordReader() : this(stringTableCapacity: 16384)
    {
    }

    /// <param name="stringTableCapacity">
    /// Slots of the string table, a power of two; each nested message type's
    /// <see cref="MessageCache"/> gets as many, up to <see cref="MessageCache.MaxCapacity"/>.
    /// </param>
    public RecordReader(int stringTableCapacity)
    {
        _strings = new StringTable(stringTableCapacity);
        _messageCacheCapacity = Math.Min(stringTableCapacity, MessageCache.MaxCapacity);
    }

    /// <summary>Reads a datagram; on failure returns false with the reason and a detail for the log.</summary>
    public bool TryRead(
        ReadOnlySpan<byte> datagram, DateTimeOffset receivedAt, string? sourceAddress,
        [NotNullWhen(true)] out ProcessRecord? record, out RecordFault fault, out string? detail)
    {
        record = null;
        if (!MessageFrame.TryReadHeader(datagram, out uint type, out uint declaredLength))
            return Fail(RecordFault.TooShort, $"{datagram.Length} bytes, the header alone is {MessageFrame.HeaderSize}", out fault, out detail);
        var schema = RecordSchema.ForMessageType(type);
        if (schema is null)
            return Fail(RecordFault.UnknownType, $"message type {type}, expected {(uint)MessageType.ProcessInfoMsg} or {(uint)MessageType.ProcessEndMsg}", out fault, out detail);
        if (datagram.Length > MessageFrame.MaxDatagramSize || declaredLength > MaxPayloadSize)
            return Fail(RecordFault.Oversized, $"{datagram.Length} bytes with a declared payload of {declaredLength}, the limit is {MessageFrame.MaxDatagramSize}", out fault, out detail);
        int payloadLength = datagram.Length - MessageFrame.HeaderSize;
        if (declaredLength != payloadLength)
            return Fail(RecordFault.LengthMismatch, $"header declares {declaredLength} payload bytes, {payloadLength} arrived", out fault, out detail);

        var scratch = ScratchFor(schema.Message);
        if (!TryReadFields(datagram[MessageFrame.HeaderSize..], scratch, parent: null, out fault, out detail))
            return false;
        scratch.Build(out var objects, out var numbers, out ulong present);
        record = new ProcessRecord(schema, objects, numbers, present, receivedAt, sourceAddress);
        return true;
    }

    /// <summary>Reads a datagram that must be a record (a spooled one); throws <see cref="InvalidDataException"/> if it is not.</summary>
    public ProcessRecord Read(ReadOnlySpan<byte> datagram, DateTimeOffset receivedAt, string? sourceAddress) =>
        TryRead(datagram, receivedAt, sourceAddress, out var record, out var fault, out string? detail)
            ? record
            : throw new InvalidDataException($"not a record ({fault}): {detail}");

    /// <param name="parent">The field of the enclosing message, to name nested fields in errors.</param>
    private bool TryReadFields(ReadOnlySpan<byte> payload, Scratch scratch, SchemaField? parent, out RecordFault fault, out string? detail)
    {
        scratch.Clear(); // What the previous message left, read or not.
        var schema = scratch.Schema;
        var reader = new WireReader(payload);
        while (!reader.AtEnd)
        {
            int keyStart = reader.Position;
            if (!reader.TryReadTag(out int number, out int wireType))
                return Fail(RecordFault.InvalidProtobuf, $"a {Prefix(parent)}field key is malformed", out fault, out detail);
            var field = schema.Find(number);
            if (field is null || field.WireType != wireType)
            {
                // Unknown field, or a known one with another wire type: protobuf skips both.
                if (!reader.TrySkip(wireType))
                    return Fail(RecordFault.InvalidProtobuf, $"{Prefix(parent)}field {number} is truncated or malformed", out fault, out detail);
                continue;
            }
            if (wireType == WireReader.Varint)
            {
                if (!reader.TryReadVarint(out ulong value))
                    return Fail(RecordFault.InvalidProtobuf, $"{Prefix(parent)}field {number} is truncated or malformed", out fault, out detail);
                scratch.SetNumber(field, Convert(field.Kind, value));
                continue;
            }
            if (field.IsRepeated && !scratch.Has(field) && TryShareRun(ref reader, payload, keyStart, field, scratch))
                continue;
            if (!reader.TryReadLengthDelimited(out var bytes))
                return Fail(RecordFault.InvalidProtobuf, $"{Prefix(parent)}field {number} is truncated or malformed", out fault, out detail);
            if (field.Kind == FieldKind.Text)
            {
                scratch.SetObject(field, _strings.Get(bytes));
                continue;
            }
            if (!TryReadMessage(bytes, field, out var message, out fault, out detail))
                return false;
            scratch.SetObject(field, message);
        }

        foreach (var required in schema.Required)
        {
            if (!scratch.Has(required))
                return Fail(RecordFault.MissingField, $"required field {Prefix(parent)}{required.Name} is absent", out fault, out detail);
        }
        if (schema.HasRepeated)
            scratch.ShareKeptRuns(payload, ListsFor(schema));
        fault = RecordFault.None;
        detail = null;
        return true;
    }

    private bool TryReadMessage(ReadOnlySpan<byte> bytes, SchemaField field, [NotNullWhen(true)] out RecordMessage? message, out RecordFault fault, out string? detail)
    {
        var schema = field.Message!;
        bool keep = MessageCache.Keeps(bytes.Length);
        int hash = 0;
        if (keep && SeenFor(schema).TryGet(bytes, out hash, out message))
        {
            fault = RecordFault.None;
            detail = null;
            return true;
        }
        message = null;
        var scratch = ScratchFor(schema);
        if (!TryReadFields(bytes, scratch, field, out fault, out detail))
            return false;
        scratch.Build(out var objects, out var numbers, out ulong present);
        message = new RecordMessage(schema, objects, numbers, present, shared: keep);
        if (keep)
            SeenFor(schema).Add(hash, bytes, message);
        return true;
    }

    /// <summary>
    /// The run of <paramref name="field"/>'s entries that starts at <paramref name="keyStart"/>,
    /// as the list an earlier message with the same run got: then the run is consumed and true
    /// returned. On a miss, a run worth keeping is marked so that it is kept once read.
    /// </summary>
    private bool TryShareRun(ref WireReader reader, ReadOnlySpan<byte> payload, int keyStart, SchemaField field, Scratch scratch)
    {
        if (!reader.TryMeasureRun(keyStart, ListCache.MaxRunBytes, ListCache.MaxRunEntries, out int runEnd, out int count) || count < 2)
            return false;
        var lists = ListsFor(scratch.Schema);
        if (lists.TryGet(payload[keyStart..runEnd], out int hash, out var shared))
        {
            scratch.SetShared(field, shared);
            reader.MoveTo(runEnd);
            return true;
        }
        if (lists.Admits(hash))
            scratch.KeepRun(field, new RunToKeep(keyStart, runEnd, count, hash));
        return false;
    }

    private ListCache ListsFor(MessageSchema schema)
    {
        if (schema.Index >= _lists.Length)
            Array.Resize(ref _lists, MessageSchema.Count);
        return _lists[schema.Index] ??= new ListCache();
    }

    private Scratch ScratchFor(MessageSchema schema)
    {
        if (schema.Index >= _scratch.Length)
            Array.Resize(ref _scratch, MessageSchema.Count);
        return _scratch[schema.Index] ??= new Scratch(schema);
    }

    private MessageCache SeenFor(MessageSchema schema)
    {
        if (schema.Index >= _seen.Length)
            Array.Resize(ref _seen, MessageSchema.Count);
        return _seen[schema.Index] ??= new MessageCache(_messageCacheCapacity);
    }

    private static string Prefix(SchemaField? parent) => parent is null ? "" : parent.Name + ".";

    /// <summary>The value as protobuf defines it for the field's type (int32 keeps the low 32 bits, bool is any non-zero).</summary>
    private static long Convert(FieldKind kind, ulong value) => kind switch
    {
        FieldKind.Int32 => (int)value,
        FieldKind.UInt32 => (uint)value,
        FieldKind.Bool => value != 0 ? 1 : 0,
        _ => (long)value,
    };

    private static bool Fail(RecordFault reason, string message, out RecordFault fault, out string? detail)
    {
        fault = reason;
        detail = message;
        return false;
    }

    /// <summary>The values of the message being read, reused from one message to the next.</summary>
    private sealed class Scratch(MessageSchema schema)
    {
        private readonly object?[] _objects = new object?[schema.ObjectCount];
        private readonly List<object>?[] _lists = new List<object>?[schema.ObjectCount];
        private readonly SharedList?[] _shared = new SharedList?[schema.ObjectCount];
        private readonly RunToKeep[] _runsToKeep = new RunToKeep[schema.ObjectCount];
        private readonly long[] _numbers = new long[schema.NumberCount];
        private ulong _present;

        public MessageSchema Schema { get; } = schema;

        public void SetNumber(SchemaField field, long value)
        {
            _numbers[field.Slot] = value;
            _present |= 1UL << field.Slot;
        }

        public void SetObject(SchemaField field, object value)
        {
            if (!field.IsRepeated)
            {
                _objects[field.Slot] = value;
                return;
            }
            var list = _lists[field.Slot] ??= new List<object>(16);
            list.Add(value);
        }

        /// <summary>A repeated field's whole first run, from the <see cref="ListCache"/>.</summary>
        public void SetShared(SchemaField field, SharedList list) => _shared[field.Slot] = list;

        /// <summary>Marks a repeated field's first run, which missed the cache, to be kept once the message is read.</summary>
        public void KeepRun(SchemaField field, RunToKeep run) => _runsToKeep[field.Slot] = run;

        /// <summary>
        /// Puts the marked runs into <paramref name="cache"/>, each run's values as one
        /// <see cref="SharedList"/> that this message uses too. Only a field whose values all
        /// came from its run is kept (protobuf lets a repeated field come back later in a message).
        /// </summary>
        public void ShareKeptRuns(ReadOnlySpan<byte> payload, ListCache cache)
        {
            foreach (var field in Schema.FieldArray)
            {
                if (!field.IsRepeated)
                    continue;
                var run = _runsToKeep[field.Slot];
                var list = _lists[field.Slot];
                if (run.Count == 0 || list is null || list.Count != run.Count)
                    continue;
                var shared = new SharedList(ToArray(field, list, prefix: null));
                cache.Add(payload[run.Start..run.End], run.Hash, shared);
                _shared[field.Slot] = shared;
                list.Clear();
            }
        }

        public bool Has(SchemaField field) =>
            field.IsRepeated ? _lists[field.Slot] is { Count: > 0 } || _shared[field.Slot] is not null
            : field.HoldsObject ? _objects[field.Slot] is not null : (_present & (1UL << field.Slot)) != 0;

        /// <summary>Right-sized copies of the values; lists become typed arrays.</summary>
        public void Build(out object?[] objects, out long[] numbers, out ulong present)
        {
            objects = _objects.Length == 0 ? [] : new object?[_objects.Length];
            foreach (var field in Schema.FieldArray)
            {
                if (!field.HoldsObject)
                    continue;
                objects[field.Slot] = field.IsRepeated ? ListValue(field) : _objects[field.Slot];
            }
            numbers = _numbers.Length == 0 ? [] : (long[])_numbers.Clone();
            present = _present;
        }

        public void Clear()
        {
            Array.Clear(_objects);
            if (Schema.HasRepeated)
            {
                foreach (var list in _lists)
                    list?.Clear();
                Array.Clear(_shared);
                Array.Clear(_runsToKeep);
            }
            Array.Clear(_numbers);
            _present = 0;
        }

        /// <summary>The shared list as it is, or the values as a new array (the shared ones first).</summary>
        private object? ListValue(SchemaField field)
        {
            var shared = _shared[field.Slot];
            var list = _lists[field.Slot];
            if (list is null || list.Count == 0)
                return shared;
            return ToArray(field, list, shared?.Items);
        }

        private static Array ToArray(SchemaField field, List<object> list, Array? prefix)
        {
            int start = prefix?.Length ?? 0;
            Array values = field.Kind == FieldKind.Text ? new string[start + list.Count] : new RecordMessage[start + list.Count];
            prefix?.CopyTo(values, 0);
            if (values is string[] texts)
            {
                for (int i = 0; i < list.Count; i++)
                    texts[start + i] = (string)list[i];
                return texts;
            }
            var messages = (RecordMessage[])values;
            for (int i = 0; i < list.Count; i++)
                messages[start + i] = (RecordMessage)list[i];
            return messages;
        }
    }

    /// <summary>Where a repeated field's first run lies in the payload, and its hash, to keep it in a <see cref="ListCache"/>.</summary>
    private readonly record struct RunToKeep(int Start, int End, int Count, int Hash);
}
