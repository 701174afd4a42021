using Ogrt.Protocol;

namespace Ogrt.Collector.Tests.Support;

/// <summary>ProcessInfo and ProcessEnd messages shaped like what is sent from a real HPC job.</summary>
internal static class TestDatagrams
{
    public static ProcessInfo ProcessInfo(int pid, int sharedObjects = 40)
    {
        var info = new ProcessInfo
        {
            Binpath = "/opt/apps/gromacs/2024.1/bin/gmx_mpi",
            Pid = pid,
            ParentPid = 4242,
            Time = 1_764_000_000 + pid,
            Signature = "0c4d9f8e-3a51-4c2b-9d7e-5f1a2b3c4d5e",
            JobId = "1234567",
            Username = "alice",
            Hostname = "node042",
            Cmdline = "gmx_mpi mdrun -deffnm run1",
            Uid = 1001,
            Gid = 100,
            Cwd = "/scratch/alice/run1",
            TimeUs = (1_764_000_000L + pid) * 1_000_000 + 123_456,
            AgentVersion = "0.1.0",
        };
        info.Arguments.Add(["gmx_mpi", "mdrun", "-deffnm", "run1"]);
        info.EnvironmentVariables.Add(["SLURM_JOB_ID=1234567", "PATH=/usr/bin:/bin", "OMP_NUM_THREADS=8"]);
        for (int i = 0; i < sharedObjects; i++)
        {
            var sharedObject = new SharedObject { Path = $"/opt/apps/lib/libdep{i}.so.1" };
            if (i % 10 == 0)
                sharedObject.Signature = $"5a1e{i:D4}-0000-4000-8000-000000000000";
            if (i % 10 == 1)
                sharedObject.LoaderName = $"libdep{i}.so";
            info.SharedObjects.Add(sharedObject);
        }
        info.LoadedModules.Add(new Module { Name = "gromacs/2024.1" });
        info.LoadedModules.Add(new Module { Name = "openmpi/4.1.6" });
        return info;
    }

    public static byte[] Encode(int pid) => MessageFrame.Encode(ProcessInfo(pid));

    /// <summary>The end of the run of <see cref="ProcessInfo"/>(<paramref name="pid"/>), every field set: killed by SIGKILL.</summary>
    public static ProcessEnd ProcessEnd(int pid) => new()
    {
        Hostname = "node042",
        Pid = pid,
        StartTimeUs = (1_764_000_000L + pid) * 1_000_000 + 123_456,
        Binpath = "/opt/apps/gromacs/2024.1/bin/gmx_mpi",
        JobId = "1234567",
        Username = "alice",
        Uid = 1001,
        ExitCode = 0,
        Signal = 9,
        CoreDumped = true,
        EndTimeUs = (1_764_000_000L + pid + 3600) * 1_000_000,
        WallTimeUs = 3_599_876_544,
        UserCpuUs = 7_100_000_000,
        SystemCpuUs = 12_500_000,
        MaxRssKib = 4_096_000,
        ReadBytes = 1_048_576,
        WriteBytes = 52_428_800,
        VoluntaryContextSwitches = 1200,
        InvoluntaryContextSwitches = 340,
        AgentVersion = "0.1.0",
    };

    /// <summary>A datagram with an arbitrary header and payload, for malformed cases.</summary>
    public static byte[] Frame(uint type, uint declaredLength, ReadOnlySpan<byte> payload)
    {
        var datagram = new byte[MessageFrame.HeaderSize + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(datagram, type);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(4), declaredLength);
        payload.CopyTo(datagram.AsSpan(MessageFrame.HeaderSize));
        return datagram;
    }
}
