using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.Abstractions.Schema;
using Ogrt.Protocol;

namespace Ogrt.Bench.FileOutput;

/// <summary>
/// Records shaped like those of an MPI job step on a cluster node: ~30 shared objects and
/// ~40 environment variables, distinct pids and command lines.
/// </summary>
internal static class RealisticRecords
{
    private static readonly string[] Libraries =
    [
        "linux-vdso.so.1", "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6",
        "/lib/x86_64-linux-gnu/libpthread.so.0", "/lib/x86_64-linux-gnu/libdl.so.2", "/lib/x86_64-linux-gnu/librt.so.1",
        "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libgcc_s.so.1", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libnuma.so.1", "/usr/lib/x86_64-linux-gnu/libhwloc.so.15",
        "/usr/lib/x86_64-linux-gnu/libevent_core-2.1.so.7", "/usr/lib/x86_64-linux-gnu/libevent_pthreads-2.1.so.7",
        "/usr/lib/x86_64-linux-gnu/libudev.so.1", "/usr/lib/x86_64-linux-gnu/libibverbs.so.1", "/usr/lib/x86_64-linux-gnu/librdmacm.so.1",
        "/usr/lib/x86_64-linux-gnu/libfabric.so.1", "/usr/lib/x86_64-linux-gnu/libpsm2.so.2", "/usr/lib/x86_64-linux-gnu/libucp.so.0",
        "/usr/lib/x86_64-linux-gnu/libucs.so.0", "/usr/lib/x86_64-linux-gnu/libuct.so.0", "/usr/lib/x86_64-linux-gnu/libucm.so.0",
        "/opt/apps/openmpi/4.1.6/lib/libmpi.so.40", "/opt/apps/openmpi/4.1.6/lib/libopen-rte.so.40",
        "/opt/apps/openmpi/4.1.6/lib/libopen-pal.so.40", "/opt/apps/hdf5/1.14.3/lib/libhdf5.so.310",
        "/opt/apps/hdf5/1.14.3/lib/libhdf5_hl.so.310", "/opt/apps/fftw/3.3.10/lib/libfftw3.so.3",
        "/opt/apps/openblas/0.3.26/lib/libopenblas.so.0",
    ];

    /// <summary>The records as the collector decodes them: one reader, so equal strings are shared as in the collector.</summary>
    public static ProcessRecord[] Create(int count)
    {
        var reader = new RecordReader();
        return [.. Enumerable.Range(0, count).Select(i => reader.Read(
            MessageFrame.Encode(CreateInfo(i)), DateTimeOffset.UnixEpoch.AddSeconds(1_795_000_000 + (i / 1000)), $"10.1.{i % 16}.{i % 250}"))];
    }

    private static ProcessInfo CreateInfo(int i)
    {
        var info = new ProcessInfo
        {
            Binpath = "/home/alice/sim/build/bin/lattice_solver",
            Pid = 100_000 + i,
            ParentPid = 99_000 + (i % 64),
            Time = 1_795_000_000 + (i / 1000),
            Signature = "6c1e2a9d-3b4f-4e8a-9c7d-0a1b2c3d4e5f",
            JobId = "4242424",
            Username = "alice",
            Hostname = $"cn{i % 512:D4}",
            Cmdline = $"/home/alice/sim/build/bin/lattice_solver --input /scratch/alice/run{i}/config.yaml --steps 100000",
            Uid = 1001,
            Gid = 1001,
            Cwd = $"/scratch/alice/run{i}",
            TimeUs = 1_795_000_000_000_000 + (i * 997L),
            AgentVersion = "0.1.0",
        };
        info.EnvironmentVariables.Add(Environment(jobId: "4242424"));
        info.Arguments.Add(["/home/alice/sim/build/bin/lattice_solver", "--input", $"/scratch/alice/run{i}/config.yaml", "--steps", "100000"]);
        for (int l = 0; l < Libraries.Length; l++)
        {
            var sharedObject = new SharedObject { Path = Libraries[l] };
            if (l >= 23)
                sharedObject.Signature = $"0f3c9a1e-77b2-4c0e-9d1a-5e6f7a8b9c{l:D2}";
            info.SharedObjects.Add(sharedObject);
        }
        info.LoadedModules.Add([new Module { Name = "gcc/13.2.0" }, new Module { Name = "openmpi/4.1.6" }, new Module { Name = "hdf5/1.14.3" }, new Module { Name = "fftw/3.3.10" }]);
        return info;
    }

    private static string[] Environment(string jobId) =>
    [
        "PATH=/opt/apps/openmpi/4.1.6/bin:/opt/apps/gcc/13.2.0/bin:/usr/local/bin:/usr/bin:/bin",
        "LD_LIBRARY_PATH=/opt/apps/openblas/0.3.26/lib:/opt/apps/fftw/3.3.10/lib:/opt/apps/hdf5/1.14.3/lib:/opt/apps/openmpi/4.1.6/lib:/opt/apps/gcc/13.2.0/lib64",
        "MODULEPATH=/opt/modulefiles/Core:/opt/modulefiles/Compiler/gcc/13.2.0:/opt/modulefiles/MPI/gcc/13.2.0/openmpi/4.1.6",
        "LOADEDMODULES=gcc/13.2.0:openmpi/4.1.6:hdf5/1.14.3:fftw/3.3.10", "HOME=/home/alice", "USER=alice", "LOGNAME=alice",
        "SHELL=/bin/bash", "LANG=en_US.UTF-8", "TERM=xterm-256color", "PWD=/scratch/alice", "TMPDIR=/tmp/slurm-" + jobId,
        "SLURM_JOB_ID=" + jobId, "SLURM_JOB_NAME=lattice", "SLURM_JOB_NODELIST=cn[0001-0512]", "SLURM_JOB_NUM_NODES=512",
        "SLURM_NTASKS=16384", "SLURM_CPUS_PER_TASK=1", "SLURM_PROCID=17", "SLURM_LOCALID=17", "SLURM_NODEID=0",
        "SLURM_STEP_ID=0", "SLURM_SUBMIT_DIR=/home/alice/sim", "SLURM_CLUSTER_NAME=hpc", "SLURM_JOB_PARTITION=compute",
        "SLURM_JOB_ACCOUNT=physics", "SLURM_MEM_PER_CPU=2048", "OMP_NUM_THREADS=1", "OMPI_MCA_btl=^openib",
        "OMPI_MCA_pml=ucx", "UCX_TLS=rc,sm,self", "HDF5_USE_FILE_LOCKING=FALSE", "OGRT_ACTIVE=1",
        "LD_PRELOAD=/opt/ogrt/lib/libogrt.so", "MANPATH=/opt/apps/openmpi/4.1.6/share/man:/usr/share/man",
        "PKG_CONFIG_PATH=/opt/apps/hdf5/1.14.3/lib/pkgconfig", "CC=gcc", "CXX=g++", "FC=gfortran", "HOSTNAME=cn0001",
        "XDG_RUNTIME_DIR=/run/user/1001", "SLURM_TASKS_PER_NODE=32(x512)", "MPI_HOME=/opt/apps/openmpi/4.1.6",
    ];
}
