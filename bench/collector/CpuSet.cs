using System.Globalization;
using System.Runtime.InteropServices;

namespace Ogrt.Bench.Collector;

/// <summary>
/// A set of CPUs in taskset's list syntax ("0", "1-3", "0,2"), so the sender and the collector
/// can be kept on separate cores and do not fight over one.
/// </summary>
internal sealed partial class CpuSet
{
    private readonly ulong _mask;

    private CpuSet(string list, ulong mask)
    {
        List = list;
        _mask = mask;
    }

    /// <summary>The list as given, for taskset -c.</summary>
    public string List { get; }

    public static CpuSet Parse(string list)
    {
        ulong mask = 0;
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] range = part.Split('-');
            int first = int.Parse(range[0], CultureInfo.InvariantCulture);
            int last = range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : first;
            for (int cpu = first; cpu <= last; cpu++)
                mask |= 1UL << cpu;
        }
        return mask == 0 ? throw new ArgumentException($"no CPU in '{list}'") : new CpuSet(list, mask);
    }

    /// <summary>Pins the calling thread (sched_setaffinity with pid 0 applies to the caller only).</summary>
    public void PinCurrentThread()
    {
        ulong mask = _mask;
        if (SchedSetAffinity(0, sizeof(ulong), ref mask) != 0)
            throw new InvalidOperationException($"sched_setaffinity({List}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint cpuSetSize, ref ulong mask);
}
