using System.Text;
using System.Text.Json;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.Abstractions.Tests;

public class ProcessRecordJsonTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 25, 1, 2, 3, TimeSpan.Zero);

    [Test]
    public void MinimalRecordHasUpstreamFieldsOnly()
    {
        var record = new ProcessRecord { Binpath = "/usr/bin/ls", Pid = 10, ParentPid = 1, Time = 1795568520, ReceivedAt = Received };

        string json = Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(record));

        Assert.That(json, Is.EqualTo(
            """{"binpath":"/usr/bin/ls","pid":10,"parent_pid":1,"time":1795568520,"received_at":"2026-11-25T01:02:03Z"}"""));
    }

    [TestCase(0, 1795568520, """["pid"]""")]
    [TestCase(10, 1795568520 - 601, """["time"]""")]
    [TestCase(-1, long.MaxValue, """["pid","time"]""")]
    [TestCase(10, 1795568520 + 600, null)]
    public void ImplausibleFieldsAreFlaggedButKept(int pid, long time, string? expectedAnomalies)
    {
        var record = new ProcessRecord { Binpath = "/usr/bin/ls", Pid = pid, ParentPid = 1, Time = time, ReceivedAt = Received };

        using var json = JsonDocument.Parse(ProcessRecordJson.ToUtf8Bytes(record));

        Assert.Multiple(() =>
        {
            Assert.That(json.RootElement.GetProperty("pid").GetInt32(), Is.EqualTo(pid));
            Assert.That(json.RootElement.GetProperty("time").GetInt64(), Is.EqualTo(time));
            Assert.That(json.RootElement.TryGetProperty("anomalies", out var anomalies) ? anomalies.GetRawText() : null, Is.EqualTo(expectedAnomalies));
        });
    }

    [Test]
    public void FullRecordUsesSnakeCaseShapeInUpstreamOrder()
    {
        var record = new ProcessRecord
        {
            Binpath = "/opt/app/g++",
            Pid = 42,
            ParentPid = 41,
            Time = 1700000000,
            Signature = "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            JobId = "1234",
            Username = "alice",
            Hostname = "node01",
            Cmdline = "g++ -O2 \"a b\"",
            EnvironmentVariables = ["PATH=/usr/bin"],
            Arguments = ["g++", "-O2", "a b"],
            SharedObjects = [new SharedObjectRecord("/lib/libc.so.6", null), new SharedObjectRecord("/opt/libx.so", "uuid-x")],
            LoadedModules = [new ModuleRecord("gcc/12")],
            Uid = 1000,
            Gid = 100,
            Cwd = "/home/alice",
            TimeMicroseconds = 1700000000123456,
            AgentVersion = "0.1.0",
            Truncated = true,
            // Three years before it was received: flagged, so every field is present.
            ReceivedAt = Received,
            SourceAddress = "10.0.0.5",
        };

        string json = Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(record));
        using var document = JsonDocument.Parse(json);
        var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToArray();

        Assert.That(names, Is.EqualTo(new[]
        {
            "binpath", "pid", "parent_pid", "time", "signature", "job_id", "username", "hostname", "cmdline",
            "environment_variables", "arguments", "shared_objects", "loaded_modules",
            "uid", "gid", "cwd", "time_us", "agent_version", "truncated", "anomalies", "received_at", "source_address",
        }));
        Assert.That(json, Does.Contain("\"binpath\":\"/opt/app/g++\""), "no HTML escaping of '+'");
        Assert.That(json, Does.Contain("\"cmdline\":\"g++ -O2 \\\"a b\\\"\""));
        Assert.That(json, Does.Contain("\"shared_objects\":[{\"path\":\"/lib/libc.so.6\"},{\"path\":\"/opt/libx.so\",\"signature\":\"uuid-x\"}]"));
        Assert.That(json, Does.Contain("\"loaded_modules\":[{\"name\":\"gcc/12\"}]"));
    }

    [TestCase(1)]
    [TestCase(200)]
    public void ApproximateBytesCoversWhatAHostileRecordTakesInMemory(int pathLength)
    {
        // A 64 KB datagram of tiny entries decodes to far more than 64 KB: count it as such.
        const int Entries = 10_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sharedObjects = new SharedObjectRecord[Entries];
        var environment = new string[Entries];
        for (int i = 0; i < Entries; i++)
        {
            sharedObjects[i] = new SharedObjectRecord(new string((char)('a' + i % 26), pathLength), null);
            environment[i] = new string('E', pathLength);
        }
        var record = new ProcessRecord
        {
            Binpath = "/x", Pid = 1, ParentPid = 1, Time = 0, ReceivedAt = Received,
            SharedObjects = sharedObjects, EnvironmentVariables = environment,
        };
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(record.ApproximateBytes, Is.InRange(allocated * 0.9, allocated * 1.5));
    }

    [Test]
    public void WriteLineEndsEachRecordWithOneNewline()
    {
        var record = new ProcessRecord { Binpath = "/a\nb", Pid = 1, ParentPid = 0, Time = 0, ReceivedAt = Received };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();

        ProcessRecordJson.WriteLine(buffer, record);
        ProcessRecordJson.WriteLine(buffer, record);

        string text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.That(text.Split('\n'), Has.Length.EqualTo(3), "two lines and the empty rest; embedded newlines are escaped");
        Assert.That(text, Does.Contain("\"/a\\nb\""));
    }
}
