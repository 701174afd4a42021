using Ogrt.Outputs.Abstractions;

namespace Ogrt.Outputs.TestSupport;

/// <summary>Realistic records: an MPI job step's process with its libraries, modules and environment.</summary>
public static class TestRecords
{
    public static readonly DateTimeOffset ReceivedAt = new(2023, 11, 14, 22, 13, 21, TimeSpan.Zero);

    /// <summary>Record number <paramref name="id"/>; its pid is the id, so tests can tell records apart.</summary>
    public static ProcessRecord Create(int id, long time = 1_700_000_000, DateTimeOffset? receivedAt = null) => new()
    {
        Binpath = "/opt/apps/lammps/2023.08/bin/lmp_mpi",
        Pid = id,
        ParentPid = 4211,
        Time = time,
        TimeMicroseconds = time * 1_000_000 + 123_456,
        Signature = "5b1e0c4e-93a7-4c4b-9d0e-6f1a2c3d4e5f",
        JobId = "8812345",
        Username = "alice",
        Hostname = "node0421",
        Cmdline = "lmp_mpi -in in.lj -var x 4",
        EnvironmentVariables = ["PATH=/opt/apps/lammps/2023.08/bin:/usr/bin:/bin", "SLURM_JOB_ID=8812345", "OMP_NUM_THREADS=4", "HOME=/home/alice"],
        Arguments = ["lmp_mpi", "-in", "in.lj", "-var", "x", "4"],
        SharedObjects =
        [
            new SharedObjectRecord("/lib/x86_64-linux-gnu/libc.so.6", null),
            new SharedObjectRecord("/lib/x86_64-linux-gnu/libm.so.6", null),
            new SharedObjectRecord("/opt/apps/openmpi/4.1.5/lib/libmpi.so.40", "0d6f3a52-8c1b-4e0a-b3c7-2a9e5f718d64"),
            new SharedObjectRecord("/opt/apps/fftw/3.3.10/lib/libfftw3.so.3", null),
            new SharedObjectRecord("/lib/x86_64-linux-gnu/libstdc++.so.6", null),
        ],
        LoadedModules = [new ModuleRecord("gcc/12.2.0"), new ModuleRecord("openmpi/4.1.5"), new ModuleRecord("lammps/2023.08")],
        Uid = 1000,
        Gid = 1000,
        Cwd = "/scratch/alice/run42",
        AgentVersion = "0.1.0",
        ReceivedAt = receivedAt ?? ReceivedAt,
        SourceAddress = "10.1.4.21",
    };

    public static List<ProcessRecord> Range(int first, int count) =>
        Enumerable.Range(first, count).Select(id => Create(id)).ToList();
}
