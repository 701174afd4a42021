using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Outputs.File.Tests;

/// <summary>Records shaped like real ones: a compiler run inside a Slurm job.</summary>
internal static class SampleRecords
{
    public static readonly DateTimeOffset ReceivedAt = new(2026, 11, 25, 1, 2, 3, TimeSpan.Zero);

    public static ProcessRecord Create(int pid)
    {
        var info = new ProcessInfo
        {
            Binpath = "/opt/gcc/13.2/bin/g++",
            Pid = pid,
            ParentPid = 4711,
            Time = 1_795_000_000,
            Signature = "5b0c0a3e-6a4b-4f3e-9a57-1c2d3e4f5a6b",
            JobId = "123456",
            Username = "alice",
            Hostname = "node017",
            Cmdline = $"g++ -O2 -c part{pid}.cpp",
            Uid = 1000,
            Gid = 1000,
            Cwd = "/home/alice/src",
            TimeUs = 1_795_000_000_123_456,
            AgentVersion = "0.1.0",
        };
        info.EnvironmentVariables.Add(Enumerable.Range(0, 40).Select(i => $"VAR_{i}=value \"{i}\" with some length to it"));
        info.Arguments.Add(["g++", "-O2", "-c", $"part{pid}.cpp"]);
        foreach (int i in Enumerable.Range(0, 30))
        {
            var sharedObject = new SharedObject { Path = $"/usr/lib/x86_64-linux-gnu/libexample{i}.so.1" };
            if (i % 5 == 0)
                sharedObject.Signature = $"uuid-{i}";
            info.SharedObjects.Add(sharedObject);
        }
        info.LoadedModules.Add([new Module { Name = "gcc/13.2" }, new Module { Name = "openmpi/4.1" }]);
        return Read(info);
    }

    /// <summary>A record as the collector reads the datagram of <paramref name="info"/>.</summary>
    public static ProcessRecord Read(ProcessInfo info) =>
        new RecordReader(stringTableCapacity: 64).Read(MessageFrame.Encode(info), ReceivedAt, "10.0.0.17");

    public static ProcessRecord[] Batch(int firstPid, int count) =>
        [.. Enumerable.Range(firstPid, count).Select(Create)];
}
