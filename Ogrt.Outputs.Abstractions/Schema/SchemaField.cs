using System.Text.Json;

namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>One field of a <see cref="MessageSchema"/>, as protocol/ogrt.proto declares it.</summary>
public sealed class SchemaField
{
    internal SchemaField(int number, string name, FieldKind kind, bool isRepeated, bool isRequired, MessageSchema? message, int slot)
    {
        Number = number;
        Name = name;
        JsonName = JsonEncodedText.Encode(name);
        Kind = kind;
        IsRepeated = isRepeated;
        IsRequired = isRequired;
        Message = message;
        Slot = slot;
        HoldsObject = isRepeated || kind is FieldKind.Text or FieldKind.Message;
        WireType = kind is FieldKind.Text or FieldKind.Message ? WireReader.LengthDelimited : WireReader.Varint;
    }

    /// <summary>The protobuf field number.</summary>
    public int Number { get; }

    /// <summary>The name in ogrt.proto (snake_case), which is also the JSON and index field name.</summary>
    public string Name { get; }

    public JsonEncodedText JsonName { get; }

    public FieldKind Kind { get; }

    public bool IsRepeated { get; }

    public bool IsRequired { get; }

    /// <summary>The schema of the nested message when <see cref="Kind"/> is <see cref="FieldKind.Message"/>.</summary>
    public MessageSchema? Message { get; }

    /// <summary>
    /// Whether the value is an object (text, message or list) rather than a number: objects and
    /// numbers are stored in separate arrays of a <see cref="RecordMessage"/>.
    /// </summary>
    internal bool HoldsObject { get; }

    /// <summary>The index of the value in the object or number array of a <see cref="RecordMessage"/>.</summary>
    internal int Slot { get; }

    /// <summary>The protobuf wire type the field is encoded with.</summary>
    internal int WireType { get; }

    public override string ToString() => $"{Name} = {Number}";
}
