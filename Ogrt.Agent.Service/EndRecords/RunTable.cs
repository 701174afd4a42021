using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Service.EndRecords;

/// <summary>
/// The processes the service saw start and has not seen end, by pid, within a memory budget.
/// A new start of a tracked pid is an exec of the same process (one start per exec image): it
/// takes over the key, so the end belongs to the last image. Entries whose exit was missed
/// (an overrun of the exit socket, an exit before the service listened) are found by
/// <see cref="Sweep"/> and dropped; each such start, and each start the budget could not take,
/// counts as a start without end.
/// </summary>
internal sealed class RunTable
{
    private readonly Dictionary<int, TrackedRun> _runs = [];
    private readonly List<int> _gone = [];
    private readonly long _byteBudget;
    private long _bytes;

    public RunTable(long byteBudget)
    {
        _byteBudget = byteBudget;
    }

    public int Count => _runs.Count;

    /// <summary>Starts that will get no end record: budget full, exit missed, or pid reused after a missed exit.</summary>
    public long StartsWithoutEnd { get; private set; }

    public void Start(int pid, scoped in ProcessSnapshot start, long nowMicroseconds)
    {
        if (_runs.Remove(pid, out var previous))
            _bytes -= previous.Size;
        var run = new TrackedRun
        {
            Binpath = Stored(start.Binpath),
            JobId = Stored(start.JobId),
            Username = Stored(start.Username),
            Uid = start.Uid,
            StartTimeMicroseconds = start.TimeMicroseconds,
            SeenMicroseconds = nowMicroseconds,
        };
        if (previous is not null)
        {
            // The same process, exec'd again: its threads' totals so far are part of it.
            run.UserMicroseconds = previous.UserMicroseconds;
            run.SystemMicroseconds = previous.SystemMicroseconds;
            run.ReadBytes = previous.ReadBytes;
            run.WriteBytes = previous.WriteBytes;
            run.VoluntarySwitches = previous.VoluntarySwitches;
            run.InvoluntarySwitches = previous.InvoluntarySwitches;
        }
        if (_bytes + run.Size > _byteBudget)
        {
            StartsWithoutEnd++;
            return;
        }
        _runs[pid] = run;
        _bytes += run.Size;
    }

    /// <summary>
    /// Folds an exited thread into its process's run. Returns the run when this was the last
    /// thread of a tracked process (the run leaves the table); null for an untracked process
    /// (most exits on a node: one dictionary lookup), for a thread, and for a pid whose entry
    /// turns out stale (a later process reusing the pid: that entry is dropped).
    /// </summary>
    public TrackedRun? Fold(in TaskRecord thread)
    {
        if (!_runs.TryGetValue(thread.ThreadGroupId, out var run))
            return null;
        if (!thread.GroupDead)
        {
            run.Add(thread);
            return null;
        }
        Remove(thread.ThreadGroupId, run);
        if (!run.CouldBe(thread.GroupCreatedMicroseconds))
        {
            StartsWithoutEnd++;
            return null;
        }
        run.Add(thread);
        return run;
    }

    /// <summary>
    /// Asks the kernel about every tracked pid. A run whose process is gone (or whose pid now
    /// belongs to a later process) is marked, and dropped at the next sweep if still so: its
    /// exit may still wait in the exit socket's queue when it is first found gone.
    /// Returns whether any run is marked (the caller sweeps again soon).
    /// </summary>
    public bool Sweep(TaskstatsSocket query)
    {
        bool marked = false;
        _gone.Clear();
        foreach ((int pid, var run) in _runs)
        {
            bool alive = query.TryQuery(pid, out var live) && run.CouldBe(live.GroupCreatedMicroseconds);
            if (alive)
                run.Missing = false;
            else if (run.Missing)
                _gone.Add(pid);
            else
                run.Missing = marked = true;
        }
        foreach (int pid in _gone)
        {
            Remove(pid, _runs[pid]);
            StartsWithoutEnd++;
        }
        return marked;
    }

    private void Remove(int pid, TrackedRun run)
    {
        _runs.Remove(pid);
        _bytes -= run.Size;
    }

    private static byte[] Stored(ReadOnlySpan<byte> text)
    {
        bool cut = false;
        return Utf8Boundary.Prefix(text, ProcessEndEncoder.MaxTextLength, ref cut).ToArray();
    }
}
