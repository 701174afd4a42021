namespace Ogrt.Agent.Service.EndRecords;

/// <summary>
/// A process the service saw start: the key of its last start record (what its end record
/// repeats), and the totals of its threads that have exited so far.
/// </summary>
internal sealed class TrackedRun
{
    /// <summary>What an entry takes besides its strings (object, dictionary slot), for the table's memory bound.</summary>
    public const int FixedSize = 160;

    public required byte[] Binpath { get; set; }
    public required byte[] JobId { get; set; }
    public required byte[] Username { get; set; }
    public uint Uid { get; set; }
    /// <summary>The time_us of its last ProcessInfo.</summary>
    public long StartTimeMicroseconds { get; set; }
    /// <summary>The service's clock when its last start message arrived: the process existed then.</summary>
    public long SeenMicroseconds { get; set; }
    /// <summary>The last sweep found no live process of this pid that existed then.</summary>
    public bool Missing { get; set; }

    public long UserMicroseconds { get; set; }
    public long SystemMicroseconds { get; set; }
    public long ReadBytes { get; set; }
    public long WriteBytes { get; set; }
    public long VoluntarySwitches { get; set; }
    public long InvoluntarySwitches { get; set; }

    public int Size => FixedSize + Binpath.Length + JobId.Length + Username.Length;

    /// <summary>
    /// Whether a process the kernel says was created at <paramref name="createdMicroseconds"/>
    /// (±1 s) can be this run: it must have existed when the start arrived. A pid reused after a
    /// missed exit belongs to a process created later, and never matches.
    /// </summary>
    public bool CouldBe(long createdMicroseconds) => createdMicroseconds <= SeenMicroseconds + CreationTolerance;

    /// <summary>The kernel's creation time is whole seconds: one second of rounding each way, and one of slack.</summary>
    private const long CreationTolerance = 2_000_000;

    /// <summary>Adds the resources of one exited thread of the process.</summary>
    public void Add(in TaskRecord thread)
    {
        UserMicroseconds += thread.UserMicroseconds;
        SystemMicroseconds += thread.SystemMicroseconds;
        ReadBytes += thread.ReadBytes;
        WriteBytes += thread.WriteBytes;
        VoluntarySwitches += thread.VoluntarySwitches;
        InvoluntarySwitches += thread.InvoluntarySwitches;
    }
}
