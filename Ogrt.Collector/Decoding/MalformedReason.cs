namespace Ogrt.Collector.Decoding;

/// <summary>Why a datagram was refused; <see cref="Name"/> is the metric tag and log text.</summary>
public sealed class MalformedReason
{
    private MalformedReason(string name) => Name = name;

    /// <summary>Shorter than the 8-byte header.</summary>
    public static MalformedReason TooShort { get; } = new("too_short");

    /// <summary>A message type other than ProcessInfo (12).</summary>
    public static MalformedReason UnknownType { get; } = new("unknown_type");

    /// <summary>Larger than the biggest datagram an agent may send.</summary>
    public static MalformedReason Oversized { get; } = new("oversized");

    /// <summary>The header's payload length differs from the bytes that arrived (truncated or padded).</summary>
    public static MalformedReason LengthMismatch { get; } = new("length_mismatch");

    /// <summary>The payload is not a valid protobuf ProcessInfo.</summary>
    public static MalformedReason InvalidProtobuf { get; } = new("invalid_protobuf");

    /// <summary>A required ProcessInfo field is absent.</summary>
    public static MalformedReason MissingField { get; } = new("missing_field");

    public string Name { get; }

    public override string ToString() => Name;
}
