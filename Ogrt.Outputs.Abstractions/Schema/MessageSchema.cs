using Google.Protobuf.Reflection;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// The fields of one protobuf message, read from the descriptor generated from
/// protocol/ogrt.proto, in declaration order (upstream's fields, then OGRT.NET's additions).
/// Everything that lists fields — the decoder, the spool, the JSON writer, the index mapping —
/// walks this instead of naming them.
/// </summary>
public sealed class MessageSchema
{
    // Field numbers are small (upstream's 300–700, ours from 1000): a lookup is one array index.
    private readonly SchemaField?[] _byNumber;
    private static int s_count;

    private MessageSchema(MessageDescriptor descriptor)
    {
        Name = descriptor.Name;
        var fields = new List<SchemaField>();
        int objects = 0, numbers = 0;
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            var kind = KindOf(field);
            bool repeated = field.IsRepeated;
            bool holdsObject = repeated || kind is FieldKind.Text or FieldKind.Message;
            var message = kind == FieldKind.Message ? For(field.MessageType) : null;
            fields.Add(new SchemaField(field.FieldNumber, field.Name, kind, repeated, field.IsRequired, message, holdsObject ? objects++ : numbers++));
        }
        if (numbers > 64)
            throw new NotSupportedException($"{Name} has {numbers} numeric fields; presence is a 64-bit mask");
        FieldArray = [.. fields];
        Fields = FieldArray.AsReadOnly();
        ObjectCount = objects;
        NumberCount = numbers;
        _byNumber = new SchemaField?[fields.Max(f => f.Number) + 1];
        foreach (var field in fields)
            _byNumber[field.Number] = field;
        Index = Interlocked.Increment(ref s_count) - 1;
        Required = fields.Where(f => f.IsRequired).ToArray();
        HasRepeated = fields.Any(f => f.IsRepeated);
    }

    /// <summary>The message name in ogrt.proto.</summary>
    public string Name { get; }

    public IReadOnlyList<SchemaField> Fields { get; }

    /// <summary>The fields as an array, for hot loops (foreach over the interface would allocate an enumerator).</summary>
    internal SchemaField[] FieldArray { get; }

    internal int ObjectCount { get; }

    internal int NumberCount { get; }

    internal SchemaField[] Required { get; }

    internal bool HasRepeated { get; }

    /// <summary>The field with this number, or null.</summary>
    public SchemaField? Find(int number) => (uint)number < (uint)_byNumber.Length ? _byNumber[number] : null;

    /// <summary>A small number unique to this schema, for per-schema tables.</summary>
    internal int Index { get; }

    /// <summary>How many schemas exist (every message type of ogrt.proto that was asked for).</summary>
    internal static int Count => Volatile.Read(ref s_count);

    /// <summary>The field with this number; throws if the schema has none (a programming error).</summary>
    public SchemaField this[int number] =>
        Find(number) ?? throw new ArgumentOutOfRangeException(nameof(number), $"{Name} has no field {number}");

    private static readonly Dictionary<MessageDescriptor, MessageSchema> Built = [];

    /// <summary>The schema of a generated message type, built once.</summary>
    public static MessageSchema For(MessageDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        lock (Built)
        {
            if (!Built.TryGetValue(descriptor, out var schema))
            {
                schema = new MessageSchema(descriptor);
                Built[descriptor] = schema;
            }
            return schema;
        }
    }

    private static FieldKind KindOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => FieldKind.Text,
        FieldType.Int32 => FieldKind.Int32,
        FieldType.Int64 => FieldKind.Int64,
        FieldType.UInt32 => FieldKind.UInt32,
        FieldType.Bool => FieldKind.Bool,
        FieldType.Message => FieldKind.Message,
        _ => throw new NotSupportedException($"{field.FullName}: protobuf type {field.FieldType} is not supported by the record schema; add it to FieldKind"),
    };

    public override string ToString() => Name;
}
