using Google.Protobuf;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Collector.Tests.Support;

/// <summary>
/// A record back as the generated message type, for comparing every field at once with
/// <c>Is.EqualTo</c>: the record is encoded by <see cref="RecordEncoder"/> and parsed by the
/// generated parser, so a field the collector lost or changed makes the messages differ.
/// </summary>
internal static class RecordMessages
{
    /// <summary>Reads what the generated parser reads, without the fields it does not know (the collector skips those).</summary>
    public static readonly MessageParser<ProcessInfo> InfoParser = ProcessInfo.Parser.WithDiscardUnknownFields(true);

    public static ProcessInfo ToProcessInfo(ProcessRecord record)
    {
        Assert.That(record.Kind, Is.EqualTo(RecordKind.Start));
        return ProcessInfo.Parser.ParseFrom(RecordEncoder.ToDatagram(record).AsSpan(MessageFrame.HeaderSize));
    }

    public static ProcessEnd ToProcessEnd(ProcessRecord record)
    {
        Assert.That(record.Kind, Is.EqualTo(RecordKind.End));
        return ProcessEnd.Parser.ParseFrom(RecordEncoder.ToDatagram(record).AsSpan(MessageFrame.HeaderSize));
    }
}
