using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;

namespace Ogrt.Collector.Decoding;

/// <summary>
/// Turns one datagram into a <see cref="ProcessRecord"/> (a start or an end record) with the
/// schema-driven <see cref="RecordReader"/>, and names what is wrong with one that is not a
/// record, for the malformed-datagram counters. Tests check it against the generated parser.
/// </summary>
/// <remarks>Not thread-safe: one decoder per decoding thread.</remarks>
public sealed class RecordDecoder
{
    private readonly RecordReader _reader = new();

    /// <summary>Decodes a datagram; on failure returns false with the reason and a detail for the log.</summary>
    public bool TryDecode(
        ReadOnlySpan<byte> datagram,
        DateTimeOffset receivedAt,
        string? sourceAddress,
        out ProcessRecord? record,
        out MalformedReason? reason,
        out string? detail)
    {
        if (_reader.TryRead(datagram, receivedAt, sourceAddress, out record, out var fault, out detail))
        {
            reason = null;
            return true;
        }
        reason = fault switch
        {
            RecordFault.TooShort => MalformedReason.TooShort,
            RecordFault.UnknownType => MalformedReason.UnknownType,
            RecordFault.Oversized => MalformedReason.Oversized,
            RecordFault.LengthMismatch => MalformedReason.LengthMismatch,
            RecordFault.MissingField => MalformedReason.MissingField,
            _ => MalformedReason.InvalidProtobuf,
        };
        return false;
    }
}
