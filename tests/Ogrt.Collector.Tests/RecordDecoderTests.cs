using Google.Protobuf;
using Ogrt.Collector.Decoding;
using Ogrt.Collector.Tests.Support;
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
            Assert.That(record!.Binpath, Is.EqualTo(info.Binpath));
            Assert.That(record.Pid, Is.EqualTo(777));
            Assert.That(record.ParentPid, Is.EqualTo(info.ParentPid));
            Assert.That(record.Time, Is.EqualTo(info.Time));
            Assert.That(record.Signature, Is.EqualTo(info.Signature));
            Assert.That(record.JobId, Is.EqualTo("1234567"));
            Assert.That(record.Username, Is.EqualTo("alice"));
            Assert.That(record.Hostname, Is.EqualTo("node042"));
            Assert.That(record.Cmdline, Is.EqualTo(info.Cmdline));
            Assert.That(record.EnvironmentVariables, Is.EqualTo(info.EnvironmentVariables));
            Assert.That(record.Arguments, Is.EqualTo(info.Arguments));
            Assert.That(record.SharedObjects.Select(so => so.Path), Is.EqualTo(info.SharedObjects.Select(so => so.Path)));
            Assert.That(record.SharedObjects.Select(so => so.Signature),
                Is.EqualTo(info.SharedObjects.Select(so => so.HasSignature ? so.Signature : null)));
            Assert.That(record.LoadedModules.Select(m => m.Name), Is.EqualTo(new[] { "gromacs/2024.1", "openmpi/4.1.6" }));
            Assert.That(record.Uid, Is.EqualTo(1001));
            Assert.That(record.Gid, Is.EqualTo(100));
            Assert.That(record.Cwd, Is.EqualTo("/scratch/alice/run1"));
            Assert.That(record.TimeMicroseconds, Is.EqualTo(info.TimeUs));
            Assert.That(record.AgentVersion, Is.EqualTo("0.1.0"));
            Assert.That(record.Truncated, Is.True);
            Assert.That(record.ReceivedAt, Is.EqualTo(ReceivedAt));
            Assert.That(record.SourceAddress, Is.EqualTo("10.0.0.5"));
        });
    }

    [Test]
    public void An_upstream_agent_message_leaves_the_additions_absent()
    {
        var info = new ProcessInfo { Binpath = "/bin/true", Pid = 1, ParentPid = 0, Time = 1_700_000_000 };

        bool decoded = new RecordDecoder().TryDecode(MessageFrame.Encode(info), ReceivedAt, null, out var record, out _, out _);

        Assert.That(decoded, Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(record!.Signature, Is.Null);
            Assert.That(record.Uid, Is.Null);
            Assert.That(record.Cwd, Is.Null);
            Assert.That(record.TimeMicroseconds, Is.Null);
            Assert.That(record.Truncated, Is.False);
            Assert.That(record.SharedObjects, Is.Empty);
        });
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
    private static byte[] Framed(IMessage message)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
            message.WriteTo(output);
        byte[] payload = stream.ToArray();
        return TestDatagrams.Frame(12, (uint)payload.Length, payload);
    }
}
