using Google.Protobuf;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Outputs.TestSupport;

/// <summary>Realistic records: an MPI job step's process with its libraries, modules and environment, and its end.</summary>
public static class TestRecords
{
    public static readonly DateTimeOffset ReceivedAt = new(2023, 11, 14, 22, 13, 21, TimeSpan.Zero);

    /// <summary>Record number <paramref name="id"/>; its pid is the id, so tests can tell records apart.</summary>
    public static ProcessRecord Create(int id, long time = 1_700_000_000, DateTimeOffset? receivedAt = null) =>
        Read(CreateInfo(id, time), receivedAt ?? ReceivedAt, "10.1.4.21");

    /// <summary>The ProcessInfo of <see cref="Create"/>.</summary>
    public static ProcessInfo CreateInfo(int id, long time = 1_700_000_000)
    {
        var info = new ProcessInfo
        {
            Binpath = "/opt/apps/lammps/2023.08/bin/lmp_mpi",
            Pid = id,
            ParentPid = 4211,
            Time = time,
            TimeUs = time * 1_000_000 + 123_456,
            Signature = "5b1e0c4e-93a7-4c4b-9d0e-6f1a2c3d4e5f",
            JobId = "8812345",
            Username = "alice",
            Hostname = "node0421",
            Cmdline = "lmp_mpi -in in.lj -var x 4",
            Uid = 1000,
            Gid = 1000,
            Cwd = "/scratch/alice/run42",
            AgentVersion = "0.1.0",
        };
        info.EnvironmentVariables.Add(["PATH=/opt/apps/lammps/2023.08/bin:/usr/bin:/bin", "SLURM_JOB_ID=8812345", "OMP_NUM_THREADS=4", "HOME=/home/alice"]);
        info.Arguments.Add(["lmp_mpi", "-in", "in.lj", "-var", "x", "4"]);
        info.SharedObjects.Add(
        [
            new SharedObject { Path = "/usr/lib/x86_64-linux-gnu/libc.so.6", LoaderName = "/lib/x86_64-linux-gnu/libc.so.6" },
            new SharedObject { Path = "/usr/lib/x86_64-linux-gnu/libm.so.6" },
            new SharedObject { Path = "/opt/apps/openmpi/4.1.5/lib/libmpi.so.40.30.5", Signature = "0d6f3a52-8c1b-4e0a-b3c7-2a9e5f718d64", LoaderName = "libmpi.so.40" },
            new SharedObject { Path = "/opt/apps/fftw/3.3.10/lib/libfftw3.so.3" },
            new SharedObject { Path = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6" },
        ]);
        info.LoadedModules.Add([new Module { Name = "gcc/12.2.0" }, new Module { Name = "openmpi/4.1.5" }, new Module { Name = "lammps/2023.08" }]);
        return info;
    }

    /// <summary>The end of the run of <see cref="Create"/>(<paramref name="id"/>, <paramref name="time"/>): exit 3 after 90 s.</summary>
    public static ProcessRecord CreateEnd(int id, long time = 1_700_000_000, DateTimeOffset? receivedAt = null) =>
        Read(CreateEndMessage(id, time), receivedAt ?? ReceivedAt.AddSeconds(90), "10.1.4.21");

    public static ProcessEnd CreateEndMessage(int id, long time = 1_700_000_000) => new()
    {
        Hostname = "node0421",
        Pid = id,
        StartTimeUs = time * 1_000_000 + 123_456,
        Binpath = "/opt/apps/lammps/2023.08/bin/lmp_mpi",
        JobId = "8812345",
        Username = "alice",
        Uid = 1000,
        ExitCode = 3,
        EndTimeUs = (time + 90) * 1_000_000,
        WallTimeUs = 89_876_544,
        UserCpuUs = 310_000_000,
        SystemCpuUs = 12_500_000,
        MaxRssKib = 2_048_000,
        ReadBytes = 1_048_576,
        WriteBytes = 52_428_800,
        VoluntaryContextSwitches = 1200,
        InvoluntaryContextSwitches = 340,
        AgentVersion = "0.1.0",
    };

    /// <summary>A record read from a generated message, as the collector reads its datagram.</summary>
    public static ProcessRecord Read(IMessage message, DateTimeOffset receivedAt, string? sourceAddress)
    {
        var type = message is ProcessEnd ? MessageType.ProcessEndMsg : MessageType.ProcessInfoMsg;
        return new RecordReader(stringTableCapacity: 64).Read(MessageFrame.Encode(message, type), receivedAt, sourceAddress);
    }

    public static List<ProcessRecord> Range(int first, int count) =>
        Enumerable.Range(first, count).Select(id => Create(id)).ToList();
}
