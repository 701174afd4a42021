using System.Text;
using System.Text.Json;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Outputs.Abstractions.Tests;

public class ProcessRecordJsonTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 25, 1, 2, 3, TimeSpan.Zero);

    [Test]
    public void MinimalRecordHasUpstreamFieldsOnly()
    {
        var record = Read(new ProcessInfo { Binpath = "/usr/bin/ls", Pid = 10, ParentPid = 1, Time = 1795568520 });

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
        var record = Read(new ProcessInfo { Binpath = "/usr/bin/ls", Pid = pid, ParentPid = 1, Time = time });

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
        var info = new ProcessInfo
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
            Uid = 1000,
            Gid = 100,
            Cwd = "/home/alice",
            TimeUs = 1700000000123456,
            AgentVersion = "0.1.0",
            Truncated = true,
        };
        info.EnvironmentVariables.Add("PATH=/usr/bin");
        info.Arguments.Add(["g++", "-O2", "a b"]);
        info.SharedObjects.Add([new SharedObject { Path = "/lib/libc.so.6" }, new SharedObject { Path = "/opt/libx.so", Signature = "uuid-x" }]);
        info.LoadedModules.Add(new Module { Name = "gcc/12" });
        // Three years before it was received: flagged, so every field is present.
        var record = Read(info, "10.0.0.5");

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
    public void ApproximateBytesCoversWhatAHostileRecordKeepsInMemory(int pathLength)
    {
        // A 64 KB datagram of tiny entries decodes to far more than 64 KB: count it as such.
        int entries = 60_000 / (2 * (pathLength + 10)); // As many as one datagram holds.
        var info = new ProcessInfo { Binpath = "/x", Pid = 1, ParentPid = 1, Time = 0 };
        for (int i = 0; i < entries; i++)
        {
            info.SharedObjects.Add(new SharedObject { Path = $"{i}{new string((char)('a' + i % 26), pathLength)}" });
            info.EnvironmentVariables.Add($"{i}{new string('E', pathLength)}");
        }
        byte[] datagram = MessageFrame.Encode(info);
        var reader = new RecordReader(stringTableCapacity: 1);
        reader.Read(datagram, Received, null); // Scratch lists grow once, as in a running collector.

        // What records keep alive (the string table's own copies are the reader's, not the
        // records'), over several records so that the heap's own noise averages out.
        const int Records = 8;
        var records = new ProcessRecord[Records];
        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < Records; i++)
            records[i] = reader.Read(datagram, Received, null);
        long retained = (GC.GetTotalMemory(forceFullCollection: true) - before) / Records;

        Assert.That(records[0].ApproximateBytes, Is.InRange(retained * 0.9, retained * 1.5));
        GC.KeepAlive(reader);
    }

    [Test]
    public void WriteLineEndsEachRecordWithOneNewline()
    {
        var record = Read(new ProcessInfo { Binpath = "/a\nb", Pid = 1, ParentPid = 0, Time = 0 });
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();

        ProcessRecordJson.WriteLine(buffer, record);
        ProcessRecordJson.WriteLine(buffer, record);

        string text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.That(text.Split('\n'), Has.Length.EqualTo(3), "two lines and the empty rest; embedded newlines are escaped");
        Assert.That(text, Does.Contain("\"/a\\nb\""));
    }

    private static ProcessRecord Read(ProcessInfo info, string? sourceAddress = null) =>
        new RecordReader(stringTableCapacity: 64).Read(MessageFrame.Encode(info), Received, sourceAddress);
}
