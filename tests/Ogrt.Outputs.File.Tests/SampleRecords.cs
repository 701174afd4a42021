using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.File.Tests;

/// <summary>Records shaped like real ones: a compiler run inside a Slurm job.</summary>
internal static class SampleRecords
{
    public static ProcessRecord Create(int pid) => new()
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
        EnvironmentVariables = [.. Enumerable.Range(0, 40).Select(i => $"VAR_{i}=value \"{i}\" with some length to it")],
        Arguments = ["g++", "-O2", "-c", $"part{pid}.cpp"],
        SharedObjects = [.. Enumerable.Range(0, 30).Select(i => new SharedObjectRecord($"/usr/lib/x86_64-linux-gnu/libexample{i}.so.1", i % 5 == 0 ? $"uuid-{i}" : null))],
        LoadedModules = [new ModuleRecord("gcc/13.2"), new ModuleRecord("openmpi/4.1")],
        Uid = 1000,
        Gid = 1000,
        Cwd = "/home/alice/src",
        TimeMicroseconds = 1_795_000_000_123_456,
        AgentVersion = "0.1.0",
        ReceivedAt = new DateTimeOffset(2026, 11, 25, 1, 2, 3, TimeSpan.Zero),
        SourceAddress = "10.0.0.17",
    };

    public static ProcessRecord[] Batch(int firstPid, int count) =>
        [.. Enumerable.Range(firstPid, count).Select(Create)];
}
