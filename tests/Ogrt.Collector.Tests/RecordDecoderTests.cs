using Google.Protobuf;
using Ogrt.Collector.Decoding;
using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.Abstractions;
using Ogrt.Protocol;

namespace Ogrt.Collector.Tests;

public class RecordDecoderTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 25, 1, 2, 3, TimeSpan.Zero);

    [Test]
    public void Decodes_every_field_of_a_process_info()
    {
        var info = TestDatagrams.ProcessInfo(pid: 777);
        info.Truncated = true;

        bool decoded = new RecordDecoder().TryDecode(MessageFrame.Encode(info), ReceivedAt, "10.0.0.5", out var record, out var reason, out _);

        Assert.Multiple(() =>
        {
            Assert.That(decoded, Is.True, () => $"refused: {reason}");
            Assert.That(record!.Kind, Is.EqualTo(RecordKind.Start));
            Assert.That(RecordMessages.ToProcessInfo(record), Is.EqualTo(info));
            Assert.That(record.Pid, Is.EqualTo(777));
            Assert.That(record.Hostname, Is.EqualTo("node042"));
            Assert.That(record.TimeMicroseconds, Is.EqualTo(info.TimeUs));
            Assert.That(record.ReceivedAt, Is.EqualTo(ReceivedAt));
            Assert.That(record.SourceAddress, Is.EqualTo("10.0.0.5"));
        });
    }

    [Test]
    public void Decodes_every_field_of_a_process_end_with_its_start_key()
    {
        var end = TestDatagrams.ProcessEnd(pid: 777);

        bool decoded = new RecordDecoder().TryDecode(MessageFrame.Encode(end), ReceivedAt, "10.0.0.5", out var record, out var reason, out _);

        Assert.Multiple(() =>
        {
            Assert.That(decoded, Is.True, () => $"refused: {reason}");
            Assert.That(record!.Kind, Is.EqualTo(RecordKind.End));
            Assert.That(RecordMessages.ToProcessEnd(record), Is.EqualTo(end));
            Assert.That(record.Hostname, Is.EqualTo(end.Hostname));
            Assert.That(record.Pid, Is.EqualTo(777));
            Assert.That(record.Binpath, Is.EqualTo(end.Binpath));
            Assert.That(record.TimeMicroseconds, Is.EqualTo(end.StartTimeUs));
            Assert.That(record.Time, Is.EqualTo(end.StartTimeUs / 1_000_000));
            Assert.That(record.Anomalies, Is.EqualTo(RecordAnomalies.None), "an end arrives long after its start");
        });
    }

    [Test]
    public void An_upstream_agent_message_leaves_the_additions_absent()
    {
        var info = new ProcessInfo { Binpath = "/bin/true", Pid = 1, ParentPid = 0, Time = 1_700_000_000 };

        bool decoded = new RecordDecoder().TryDecode(MessageFrame.Encode(info), ReceivedAt, null, out var record, out _, out _);

        Assert.That(decoded, Is.True);
        var additions = record!.Schema.Fields.Where(field => field.Number >= 1000).ToList();
        Assert.That(additions, Is.Not.Empty);
        Assert.That(additions.Where(record.Has), Is.Empty);
        Assert.That(record.TimeMicroseconds, Is.Null);
    }

    public static IEnumerable<TestCaseData> MalformedDatagrams()
    {
        byte[] valid = TestDatagrams.Encode(1);
        byte[] payload = valid[MessageFrame.HeaderSize..];
        yield return new TestCaseData(new byte[] { 0, 0, 12 }, "too_short").SetName("too short");
        yield return new TestCaseData(Array.Empty<byte>(), "too_short").SetName("empty");
        yield return new TestCaseData(TestDatagrams.Frame(10, (uint)payload.Length, payload), "unknown_type").SetName("unknown type");
        yield return new TestCaseData(TestDatagrams.Frame(12, 70_000, payload), "oversized").SetName("declared length over the limit");
        yield return new TestCaseData(TestDatagrams.Frame(12, (uint)payload.Length, new byte[65_600]), "oversized").SetName("datagram over the limit");
        yield return new TestCaseData(valid[..^10], "length_mismatch").SetName("truncated");
        yield return new TestCaseData(TestDatagrams.Frame(12, (uint)payload.Length - 1, payload), "length_mismatch").SetName("declared shorter");
        byte[] garbage = Enumerable.Repeat((byte)0xFF, 64).ToArray();
        yield return new TestCaseData(TestDatagrams.Frame(12, 64, garbage), "invalid_protobuf").SetName("garbage payload");
        var noBinpath = new ProcessInfo { Pid = 1, ParentPid = 0, Time = 1 };
        yield return new TestCaseData(Framed(noBinpath), "missing_field").SetName("no binpath");
        var noTime = new ProcessInfo { Binpath = "/bin/true", Pid = 1, ParentPid = 0 };
        yield return new TestCaseData(Framed(noTime), "missing_field").SetName("no time");
        var sharedObjectWithoutPath = new ProcessInfo { Binpath = "/bin/true", Pid = 1, ParentPid = 0, Time = 1 };
        sharedObjectWithoutPath.SharedObjects.Add(new SharedObject { Signature = "x" });
        yield return new TestCaseData(Framed(sharedObjectWithoutPath), "missing_field").SetName("shared object without path");
        var endWithoutStart = TestDatagrams.ProcessEnd(pid: 1);
        endWithoutStart.ClearStartTimeUs();
        yield return new TestCaseData(Framed(endWithoutStart, MessageType.ProcessEndMsg), "missing_field").SetName("end without its start time");
    }

    [TestCaseSource(nameof(MalformedDatagrams))]
    public void Refuses_a_malformed_datagram_with_its_reason(byte[] datagram, string expectedReason)
    {
        bool decoded = new RecordDecoder().TryDecode(datagram, ReceivedAt, null, out var record, out var reason, out var detail);

        Assert.Multiple(() =>
        {
            Assert.That(decoded, Is.False);
            Assert.That(record, Is.Null);
            Assert.That(reason!.Name, Is.EqualTo(expectedReason));
            Assert.That(detail, Is.Not.Empty);
        });
    }

    /// <summary>Frames a message as written, even if required fields are missing (as a broken agent might).</summary>
    private static byte[] Framed(IMessage message, MessageType type = MessageType.ProcessInfoMsg)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
            message.WriteTo(output);
        byte[] payload = stream.ToArray();
        return TestDatagrams.Frame((uint)type, (uint)payload.Length, payload);
    }
}
