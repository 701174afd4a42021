using Ogrt.Collector.Spooling;
using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Collector.Tests;

public class SpoolRecordCodecTests
{
    private static readonly DateTimeOffset ReceivedAt = new DateTimeOffset(2026, 11, 25, 3, 4, 5, 678, TimeSpan.FromHours(2)).AddTicks(9);

    [Test]
    public void Every_field_of_a_start_record_and_its_arrival_survive_the_round_trip()
    {
        var info = TestDatagrams.ProcessInfo(pid: 4242);
        info.ParentPid = -1;
        info.Uid = uint.MaxValue;
        info.Gid = 0;
        info.Truncated = true;
        info.Arguments.Add("ünïcødé \uFFFD");
        var record = Read(MessageFrame.Encode(info), "10.0.0.5");

        var copy = RoundTrip(record);

        Assert.Multiple(() =>
        {
            Assert.That(RecordMessages.ToProcessInfo(copy), Is.EqualTo(info));
            Assert.That(copy.ReceivedAt.Ticks, Is.EqualTo(ReceivedAt.Ticks));
            Assert.That(copy.ReceivedAt.Offset, Is.EqualTo(ReceivedAt.Offset));
            Assert.That(copy.SourceAddress, Is.EqualTo("10.0.0.5"));
            Assert.That(ProcessRecordJson.ToUtf8Bytes(copy), Is.EqualTo(ProcessRecordJson.ToUtf8Bytes(record)));
        });
    }

    [Test]
    public void Every_field_of_an_end_record_survives_the_round_trip()
    {
        var end = TestDatagrams.ProcessEnd(pid: 4242);

        var copy = RoundTrip(Read(MessageFrame.Encode(end), null));

        Assert.That(RecordMessages.ToProcessEnd(copy), Is.EqualTo(end));
        Assert.That(copy.SourceAddress, Is.Null);
    }

    [Test]
    public void Absent_optional_fields_stay_absent()
    {
        var info = new ProcessInfo { Binpath = "/bin/true", Pid = 1, ParentPid = 0, Time = 0 };

        var copy = RoundTrip(Read(MessageFrame.Encode(info), null));

        Assert.That(RecordMessages.ToProcessInfo(copy), Is.EqualTo(info));
        Assert.That(copy.Schema.Fields.Where(copy.Has).Select(field => field.Name), Is.EqualTo(new[] { "binpath", "pid", "parent_pid", "time" }));
    }

    [Test]
    public void Truncated_bytes_are_refused_as_invalid_data()
    {
        using var stream = new MemoryStream();
        using (var writer = SpoolRecordCodec.CreateWriter(stream))
            SpoolRecordCodec.Write(writer, Read(MessageFrame.Encode(new ProcessInfo { Binpath = "/bin/true", Pid = 1, ParentPid = 0, Time = 0 }), null));
        byte[] bytes = stream.ToArray();

        for (int length = 0; length < bytes.Length; length++)
        {
            using var truncated = new MemoryStream(bytes, 0, length);
            using var reader = SpoolRecordCodec.CreateReader(truncated);
            Assert.Throws<InvalidDataException>(() => SpoolRecordCodec.Read(reader), $"{length} of {bytes.Length} bytes");
        }
    }

    [Test]
    public void A_segment_written_in_format_1_by_an_earlier_collector_is_upgraded_and_read()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, SpoolSegment.FileName(7));
        byte[] damaged = [.. Frame(FormatOneRecord())];
        damaged[^1] ^= 0xFF;
        File.WriteAllBytes(path, [.. "OGRTSPL"u8, 1, .. Frame(FormatOneRecord()), .. damaged]);

        using var segment = SpoolSegment.Recover(path, 7, out long corruptBytes);
        Assert.That(segment, Is.Not.Null);
        Assert.That(corruptBytes, Is.EqualTo(damaged.Length), "the damaged frame is dropped and counted");
        Assert.That(segment!.RecordFormat, Is.EqualTo(SpoolRecordCodec.FormatVersion));
        Assert.That(segment.UnreadRecords, Is.EqualTo(1));
        Assert.That(File.ReadAllBytes(path)[..8], Is.EqualTo("OGRTSPL"u8.ToArray().Append(SpoolRecordCodec.FormatVersion)));
        var record = SpoolFrames.Decode(segment.ReadNext());

        var expected = new ProcessInfo
        {
            Binpath = "/opt/app/bin/solver", Pid = 4242, ParentPid = -1, Time = 1_764_000_123, JobId = "slurm-991", Hostname = "node17",
            Uid = uint.MaxValue, Gid = 0, TimeUs = 1_764_000_123_456_789, AgentVersion = "1.2.3", Truncated = true,
        };
        expected.EnvironmentVariables.Add(["PATH=/usr/bin", "EMPTY="]);
        expected.Arguments.Add(["solver", "ünïcødé"]);
        expected.SharedObjects.Add([new SharedObject { Path = "/lib/libc.so.6" }, new SharedObject { Path = "/opt/lib/libx.so", Signature = "sig-x" }]);
        expected.LoadedModules.Add(new Module { Name = "gcc/13.2" });
        Assert.Multiple(() =>
        {
            Assert.That(RecordMessages.ToProcessInfo(record), Is.EqualTo(expected));
            Assert.That(record.ReceivedAt, Is.EqualTo(ReceivedAt));
            Assert.That(record.ReceivedAt.Offset, Is.EqualTo(ReceivedAt.Offset));
            Assert.That(record.SourceAddress, Is.EqualTo("10.0.0.5"));
        });
    }

    /// <summary>A record as format 1 laid it out: every field in a fixed order (the bytes an earlier collector wrote).</summary>
    private static byte[] FormatOneRecord()
    {
        using var stream = new MemoryStream();
        using (var writer = SpoolRecordCodec.CreateWriter(stream))
        {
            writer.Write("/opt/app/bin/solver");
            writer.Write(4242);
            writer.Write(-1);
            writer.Write(1_764_000_123L);
            writer.Write(false);                               // signature
            writer.Write(true); writer.Write("slurm-991");      // job_id
            writer.Write(false);                               // username
            writer.Write(true); writer.Write("node17");         // hostname
            writer.Write(false);                               // cmdline
            writer.Write7BitEncodedInt(2); writer.Write("PATH=/usr/bin"); writer.Write("EMPTY=");
            writer.Write7BitEncodedInt(2); writer.Write("solver"); writer.Write("ünïcødé");
            writer.Write7BitEncodedInt(2);
            writer.Write("/lib/libc.so.6"); writer.Write(false);
            writer.Write("/opt/lib/libx.so"); writer.Write(true); writer.Write("sig-x");
            writer.Write7BitEncodedInt(1); writer.Write("gcc/13.2");
            writer.Write(true); writer.Write(uint.MaxValue);      // uid
            writer.Write(true); writer.Write(0u);                 // gid
            writer.Write(false);                                  // cwd
            writer.Write(true); writer.Write(1_764_000_123_456_789L); // time_us
            writer.Write(true); writer.Write("1.2.3");            // agent version
            writer.Write(true);                                   // truncated
            writer.Write(ReceivedAt.UtcTicks);
            writer.Write((short)ReceivedAt.Offset.TotalMinutes);
            writer.Write(true); writer.Write("10.0.0.5");
        }
        return stream.ToArray();
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[SpoolSegment.FrameHeaderLength + payload.Length];
        payload.CopyTo(frame, SpoolSegment.FrameHeaderLength);
        SpoolSegment.EncodeFrame(frame);
        return frame;
    }

    private static ProcessRecord Read(byte[] datagram, string? source) => new RecordReader().Read(datagram, ReceivedAt, source);

    private static ProcessRecord RoundTrip(ProcessRecord record)
    {
        using var stream = new MemoryStream();
        using (var writer = SpoolRecordCodec.CreateWriter(stream))
            SpoolRecordCodec.Write(writer, record);
        stream.Position = 0;
        using var reader = SpoolRecordCodec.CreateReader(stream);
        var copy = SpoolRecordCodec.Read(reader);
        Assert.That(stream.Position, Is.EqualTo(stream.Length), "the whole record was read");
        return copy;
    }
}
