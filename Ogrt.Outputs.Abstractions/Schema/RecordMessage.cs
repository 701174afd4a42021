namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// The decoded values of one protobuf message, stored by its <see cref="MessageSchema"/>: texts
/// (string), lists (string[] or RecordMessage[]) and nested messages in one array, numbers (long)
/// in another with a presence mask. Read-only
/// once built; the decoder shares equal nested messages (the same library) and equal lists (a
/// <see cref="SharedList"/>: the same link map) between records.
/// </summary>
public class RecordMessage
{
    private readonly object?[] _objects;
    private readonly long[] _numbers;
    private readonly ulong _present;
    private byte[]? _json;
    private long _measuredBytes = -1; // Kept for a shared message only.

    internal RecordMessage(MessageSchema schema, object?[] objects, long[] numbers, ulong present, bool shared = false)
    {
        Schema = schema;
        _objects = objects;
        _numbers = numbers;
        _present = present;
        IsShared = shared;
    }

    public MessageSchema Schema { get; }

    /// <summary>
    /// Whether the reader hands this instance to many records (a nested message from its
    /// <see cref="MessageCache"/>): then its JSON is worth keeping (<see cref="JsonObject"/>).
    /// </summary>
    internal bool IsShared { get; }

    /// <summary>
    /// The message as a JSON object, made by <paramref name="serialize"/> on first use and kept:
    /// a library shared by thousands of records is serialized once, not once per record and output.
    /// Kept as long as the message, which the decoder's bounded cache and the queued records hold.
    /// </summary>
    internal byte[] JsonObject(Func<RecordMessage, byte[]> serialize) => KeptOnce.Get(ref _json, this, serialize);

    /// <summary>Whether the message carries the field (a list: at least one element).</summary>
    public bool Has(SchemaField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.HoldsObject ? _objects[field.Slot] is not null : (_present & (1UL << field.Slot)) != 0;
    }

    /// <summary>A text field's value, or null when absent.</summary>
    public string? GetText(SchemaField field) => (string?)Object(field, FieldKind.Text, repeated: false);

    /// <summary>A number or bool field's value (bools as 0 and 1).</summary>
    public bool TryGetNumber(SchemaField field, out long value)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.HoldsObject)
            throw new ArgumentException($"{field} is not a number", nameof(field));
        value = _numbers[field.Slot];
        return (_present & (1UL << field.Slot)) != 0;
    }

    /// <summary>A repeated text field's values (empty when absent).</summary>
    public IReadOnlyList<string> GetTexts(SchemaField field) => (string[]?)Object(field, FieldKind.Text, repeated: true) ?? [];

    /// <summary>A repeated message field's values (empty when absent).</summary>
    public IReadOnlyList<RecordMessage> GetMessages(SchemaField field) => (RecordMessage[]?)Object(field, FieldKind.Message, repeated: true) ?? [];

    public string? GetText(int number) => GetText(Schema[number]);

    public IReadOnlyList<string> GetTexts(int number) => GetTexts(Schema[number]);

    public IReadOnlyList<RecordMessage> GetMessages(int number) => GetMessages(Schema[number]);

    public long? GetNumber(int number) => TryGetNumber(Schema[number], out long value) ? value : null;

    /// <summary>The stored value of an object field (a list as its array), for walkers that switch on the field's kind.</summary>
    internal object? ObjectAt(SchemaField field)
    {
        object? value = _objects[field.Slot];
        return value is SharedList shared ? shared.Items : value;
    }

    /// <summary>The list a repeated field shares with other records, or null.</summary>
    internal SharedList? SharedListAt(SchemaField field) => _objects[field.Slot] as SharedList;

    internal bool NumberAt(SchemaField field, out long value)
    {
        value = _numbers[field.Slot];
        return (_present & (1UL << field.Slot)) != 0;
    }

    /// <summary>
    /// Managed bytes of the message's own arrays and values (strings, messages and lists counted
    /// whole, even when shared). Computed once for a shared message, which never changes.
    /// </summary>
    internal long MeasureBytes()
    {
        return IsShared ? KeptOnce.Get(ref _measuredBytes, this, static message => message.MeasureOwnBytes()) : MeasureOwnBytes();
    }

    private const int ArrayHeader = 24, MessageObject = 48;

    private long MeasureOwnBytes()
    {
        // Empty arrays are the shared Array.Empty instances.
        long bytes = (_objects.Length == 0 ? 0 : ArrayHeader + (8L * _objects.Length)) + (_numbers.Length == 0 ? 0 : ArrayHeader + (8L * _numbers.Length));
        foreach (object? value in _objects)
        {
            bytes += value switch
            {
                string text => TextBytes(text),
                Array list => MeasureList(list),
                SharedList shared => shared.MeasureBytes(MeasureList),
                RecordMessage message => MessageObject + message.MeasureBytes(),
                _ => 0,
            };
        }
        return bytes;
    }

    private static long MeasureList(Array list)
    {
        long bytes = ArrayHeader + (8L * list.Length);
        if (list is string[] texts)
        {
            foreach (string text in texts)
                bytes += TextBytes(text);
            return bytes;
        }
        foreach (var message in (RecordMessage[])list)
            bytes += MessageObject + message.MeasureBytes();
        return bytes;
    }

    private static long TextBytes(string text) => 24 + (2L * text.Length);

    private object? Object(SchemaField field, FieldKind kind, bool repeated)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.Kind != kind || field.IsRepeated != repeated)
            throw new ArgumentException($"{field} is a {(field.IsRepeated ? "repeated " : "")}{field.Kind} field", nameof(field));
        return ObjectAt(field);
    }
}
