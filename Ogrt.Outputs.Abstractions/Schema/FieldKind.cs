namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>What a field holds, as the outputs need to know it (protobuf has more scalar types; the schema uses these).</summary>
public enum FieldKind
{
    Text,
    Int32,
    Int64,
    UInt32,
    Bool,
    Message,
}
