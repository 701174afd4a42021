using Ogrt.Protocol;

namespace Ogrt.Collector.Tests.Support;

/// <summary>ProcessInfo messages shaped like what an agent sends from a real HPC job.</summary>
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
            info.SharedObjects.Add(sharedObject);
        }
        info.LoadedModules.Add(new Module { Name = "gromacs/2024.1" });
        info.LoadedModules.Add(new Module { Name = "openmpi/4.1.6" });
        return info;
    }

    public static byte[] Encode(int pid) => MessageFrame.Encode(ProcessInfo(pid));

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
