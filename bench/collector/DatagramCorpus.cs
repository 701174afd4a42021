using Ogrt.Protocol;

namespace Ogrt.Bench.Collector;

/// <summary>
/// Pre-encoded ProcessInfo datagrams shaped like an MPI job on a cluster node: ~40 shared
/// objects (a few watermarked), ~40 environment variables, two modules. Each has a distinct
/// pid so a run can check for loss and duplicates by pid. The environment comes in 13 variants,
/// or, with <see cref="CorpusShape.RankEnvironment"/>, differs in every datagram as the ranks of an
/// MPI job's do (the collector's list cache then misses).
/// </summary>
internal static class DatagramCorpus
{
    public static byte[] Create(int pid, CorpusShape shape)
    {
        var info = new ProcessInfo
        {
            Binpath = "/opt/apps/gromacs/2024.1/bin/gmx_mpi",
            Pid = pid,
            ParentPid = 1000 + (pid % 97),
            Time = 1_764_000_000 + (pid / 1000),
            Signature = "0c4d9f8e-3a51-4c2b-9d7e-5f1a2b3c4d5e",
            JobId = "4812" + (pid % 1000).ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
            Username = "alice",
            Hostname = "node" + (pid % 512).ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
            Cmdline = "gmx_mpi mdrun -deffnm run1 -ntomp 8",
            Uid = 1001,
            Gid = 100,
            Cwd = "/scratch/alice/run1",
            TimeUs = (1_764_000_000L * 1_000_000) + pid,
            AgentVersion = "0.1.0",
        };
        info.Arguments.Add(["gmx_mpi", "mdrun", "-deffnm", "run1", "-ntomp", "8"]);
        for (int i = 0; i < 40; i++)
            info.EnvironmentVariables.Add($"SLURM_VAR_{i}=value-{i}-{pid % 13}");
        if (shape.RankEnvironment)
            info.EnvironmentVariables.Add($"OMPI_COMM_WORLD_RANK={pid}");
        for (int i = 0; i < shape.SharedObjects; i++)
        {
            var sharedObject = new SharedObject { Path = $"/opt/apps/spack/linux-debian12-x86_64/gcc-12.2.0/lib{i}-1.2.3-abcdefghijklmnop/lib/libdep{i}.so.1" };
            if (i % 8 == 0)
                sharedObject.Signature = $"5a1e{i:D4}-0000-4000-8000-000000000000";
            info.SharedObjects.Add(sharedObject);
        }
        info.LoadedModules.Add(new Module { Name = "gromacs/2024.1" });
        info.LoadedModules.Add(new Module { Name = "openmpi/4.1.6" });
        return MessageFrame.Encode(info);
    }
}

/// <summary>What the datagrams of a <see cref="DatagramCorpus"/> carry.</summary>
/// <param name="SharedObjects">Libraries per datagram.</param>
/// <param name="RankEnvironment">Whether each datagram's environment is its own (an MPI rank variable).</param>
internal readonly record struct CorpusShape(int SharedObjects, bool RankEnvironment);
