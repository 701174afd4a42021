using Ogrt.Collector.Spooling;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests;

public class SpoolRecordCodecTests
{
    [Test]
    public void Every_field_survives_the_round_trip()
    {
        var record = new ProcessRecord
        {
            Binpath = "/opt/app/bin/solver",
            Pid = 4242,
            ParentPid = -1,
            Time = 1_764_000_123,
            Signature = "2f1c2a9e-0d7b-4c1e-9b5a-3e6f7a8b9c0d",
            JobId = "slurm-991",
            Username = "alice",
            Hostname = "node17",
            Cmdline = "solver --in data.nc",
            EnvironmentVariables = ["PATH=/usr/bin", "OMP_NUM_THREADS=8", "EMPTY="],
            Arguments = ["solver", "--in", "data.nc", "ünïcødé \uFFFD"],
            SharedObjects = [new SharedObjectRecord("/lib/libc.so.6", null), new SharedObjectRecord("/opt/lib/libx.so", "sig-x")],
            LoadedModules = [new ModuleRecord("gcc/13.2"), new ModuleRecord("openmpi/5.0")],
            Uid = uint.MaxValue,
            Gid = 0,
            Cwd = "/home/alice",
            TimeMicroseconds = 1_764_000_123_456_789,
            AgentVersion = "1.2.3",
            Truncated = true,
            ReceivedAt = new DateTimeOffset(2026, 11, 25, 3, 4, 5, 678, TimeSpan.FromHours(2)).AddTicks(9),
            SourceAddress = "10.0.0.5",
        };

        var copy = RoundTrip(record);

        Assert.Multiple(() =>
        {
            // Serialize both the canonical way so every property, present or future, is compared.
            Assert.That(ProcessRecordJson.ToUtf8Bytes(copy), Is.EqualTo(ProcessRecordJson.ToUtf8Bytes(record)));
            Assert.That(copy.ReceivedAt.Ticks, Is.EqualTo(record.ReceivedAt.Ticks));
            Assert.That(copy.ReceivedAt.Offset, Is.EqualTo(record.ReceivedAt.Offset));
            Assert.That(copy.TimeMicroseconds, Is.EqualTo(record.TimeMicroseconds));
            Assert.That(copy.Uid, Is.EqualTo(uint.MaxValue));
            Assert.That(copy.Gid, Is.Zero);
            Assert.That(copy.Truncated, Is.True);
            Assert.That(copy.SharedObjects, Is.EqualTo(record.SharedObjects));
            Assert.That(copy.LoadedModules, Is.EqualTo(record.LoadedModules));
        });
    }

    [Test]
    public void Absent_optional_fields_stay_absent()
    {
        var record = new ProcessRecord { Binpath = "/bin/true", Pid = 1, ParentPid = 0, Time = 0, ReceivedAt = DateTimeOffset.UnixEpoch };

        var copy = RoundTrip(record);

        Assert.Multiple(() =>
        {
            Assert.That(ProcessRecordJson.ToUtf8Bytes(copy), Is.EqualTo(ProcessRecordJson.ToUtf8Bytes(record)));
            Assert.That(copy.Uid, Is.Null);
            Assert.That(copy.Gid, Is.Null);
            Assert.That(copy.TimeMicroseconds, Is.Null);
            Assert.That(copy.Signature, Is.Null);
            Assert.That(copy.SourceAddress, Is.Null);
        });
    }

    [Test]
    public void Truncated_bytes_are_refused_as_invalid_data()
    {
        using var stream = new MemoryStream();
        using (var writer = SpoolRecordCodec.CreateWriter(stream))
            SpoolRecordCodec.Write(writer, new ProcessRecord { Binpath = "/bin/true", Pid = 1, ParentPid = 0, Time = 0, ReceivedAt = DateTimeOffset.UnixEpoch });
        byte[] bytes = stream.ToArray();

        for (int length = 0; length < bytes.Length; length++)
        {
            using var truncated = new MemoryStream(bytes, 0, length);
            using var reader = SpoolRecordCodec.CreateReader(truncated);
            Assert.Throws<InvalidDataException>(() => SpoolRecordCodec.Read(reader), $"{length} of {bytes.Length} bytes");
        }
    }

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
