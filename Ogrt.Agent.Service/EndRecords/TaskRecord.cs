using System.Buffers.Binary;
using Ogrt.Agent.Service.Interop;

namespace Ogrt.Agent.Service.EndRecords;

/// <summary>
/// One thread as the kernel's taskstats report it (struct taskstats, version 12 or later): an
/// exiting thread (a TASKSTATS_CMD_NEW event) or a live one (the reply to a query). The fields
/// end records use, read from the message's TASKSTATS_TYPE_AGGR_PID attribute.
/// </summary>
internal readonly struct TaskRecord
{
    /// <summary>The first version with ac_tgid and ac_tgetime.</summary>
    public const int MinimumVersion = 12;

    // Offsets in struct taskstats as laid out on LP64 (linux/taskstats.h aligns its 64-bit
    // fields explicitly; new versions only ever append fields).
    private const int ExitCodeOffset = 4;
    private const int FlagOffset = 8;
    private const int RunTimeOffset = 72;
    private const int ElapsedOffset = 144;
    private const int UserTimeOffset = 152;
    private const int SystemTimeOffset = 160;
    private const int HighWaterRssOffset = 200;
    private const int ReadBytesOffset = 248;
    private const int WriteBytesOffset = 256;
    private const int VoluntarySwitchesOffset = 272;
    private const int InvoluntarySwitchesOffset = 280;
    private const int BeginTimeOffset = 344;
    private const int ThreadGroupOffset = 368;
    private const int ThreadGroupElapsedOffset = 376;
    private const int MinimumLength = ThreadGroupElapsedOffset + 8;

    /// <summary>acct.h: the last thread of its process (the thread group is dead).</summary>
    private const byte AGROUP = 0x20;

    public int ThreadGroupId { get; init; }
    /// <summary>The wait status (exit code &lt;&lt; 8, or the signal | 0x80 for a core dump).</summary>
    public int Status { get; init; }
    public bool GroupDead { get; init; }
    public long UserMicroseconds { get; init; }
    public long SystemMicroseconds { get; init; }
    public long MaxRssKib { get; init; }
    public long ReadBytes { get; init; }
    public long WriteBytes { get; init; }
    public long VoluntarySwitches { get; init; }
    public long InvoluntarySwitches { get; init; }
    /// <summary>The process's wall time so far (all of it when <see cref="GroupDead"/>).</summary>
    public long GroupElapsedMicroseconds { get; init; }
    /// <summary>When the process (its first thread) was created, in µs since the epoch; ±1 s (the kernel gives seconds).</summary>
    public long GroupCreatedMicroseconds { get; init; }

    private static int VersionOf(ReadOnlySpan<byte> stats) =>
        stats.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(stats) : 0;

    /// <summary>
    /// Reads the thread a taskstats message reports; false for anything else (an ack, an
    /// error, a message without a struct this version can read).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out TaskRecord record)
    {
        record = default;
        var stats = NetlinkMessage.FindNested(message, Netlink.TASKSTATS_TYPE_AGGR_PID, Netlink.TASKSTATS_TYPE_STATS);
        if (stats.Length < MinimumLength || VersionOf(stats) < MinimumVersion)
            return false;
        byte flag = stats[FlagOffset];
        long elapsed = Read(stats, ElapsedOffset);
        long groupElapsed = Read(stats, ThreadGroupElapsedOffset);
        // ac_btime64 is this thread's start in whole seconds (now - ac_etime, truncated); the
        // process started ac_tgetime - ac_etime before it.
        long threadCreated = Read(stats, BeginTimeOffset) * 1_000_000;
        var (user, system) = CpuTime(Read(stats, UserTimeOffset), Read(stats, SystemTimeOffset), Read(stats, RunTimeOffset) / 1000);
        record = new TaskRecord
        {
            ThreadGroupId = (int)BinaryPrimitives.ReadUInt32LittleEndian(stats[ThreadGroupOffset..]),
            Status = (int)BinaryPrimitives.ReadUInt32LittleEndian(stats[ExitCodeOffset..]),
            GroupDead = (flag & AGROUP) != 0,
            UserMicroseconds = user,
            SystemMicroseconds = system,
            MaxRssKib = Read(stats, HighWaterRssOffset),
            ReadBytes = Read(stats, ReadBytesOffset),
            WriteBytes = Read(stats, WriteBytesOffset),
            VoluntarySwitches = Read(stats, VoluntarySwitchesOffset),
            InvoluntarySwitches = Read(stats, InvoluntarySwitchesOffset),
            GroupElapsedMicroseconds = groupElapsed,
            GroupCreatedMicroseconds = threadCreated - (groupElapsed - elapsed),
        };
        return true;
    }

    /// <summary>
    /// ac_utime and ac_stime are sampled at the timer tick: a thread that runs between ticks
    /// is missed, one that runs over a tick is charged all of it (a 50 ms loop measured 24 ms
    /// on a busy machine). cpu_run_virtual_total is the scheduler's exact run time; where the
    /// kernel fills it in (CONFIG_TASK_DELAY_ACCT) it is split in the ticks' user:system
    /// ratio, as the kernel does for getrusage(2) and /proc/PID/stat.
    /// </summary>
    private static (long User, long System) CpuTime(long sampledUser, long sampledSystem, long exact)
    {
        if (exact <= 0)
            return (sampledUser, sampledSystem);
        long sampled = sampledUser + sampledSystem;
        if (sampled == 0)
            return (exact, 0);
        long user = (long)((double)exact * sampledUser / sampled);
        return (user, exact - user);
    }

    private static long Read(ReadOnlySpan<byte> stats, int offset) => (long)BinaryPrimitives.ReadUInt64LittleEndian(stats[offset..]);
}
