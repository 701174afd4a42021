namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>Why a datagram is not a record (the collector counts each reason).</summary>
public enum RecordFault
{
    None,
    TooShort,
    UnknownType,
    Oversized,
    LengthMismatch,
    InvalidProtobuf,
    MissingField,
}
