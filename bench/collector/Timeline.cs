using System.Globalization;

namespace Ogrt.Bench.Collector;

/// <summary>
/// One line per second while the sender runs (<c>--timeline</c>): where the run's losses
/// happened in time, so a start-up backlog can be told from losses spread over the run.
/// </summary>
internal static class Timeline
{
    public static async Task PrintAsync(CollectorRun collector, RateSender sender, Task sending)
    {
        Console.WriteLine("second  sent/s  received/s  not-received  queue-drops  output-drops  written/s  CPU%  RSS-MiB  JIT-ms  GC-ms  pool-threads  steal-ms");
        var previous = await SampleAsync(collector, sender);
        for (int second = 1; !sending.IsCompleted; second++)
        {
            await Task.WhenAny(sending, Task.Delay(1000));
            var now = await SampleAsync(collector, sender);
            double elapsed = (now.At - previous.At).TotalSeconds;
            // Not received: sent but not (yet) taken off the socket; in the end the kernel's drops.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{second,6}  {(now.Sent - previous.Sent) / elapsed,6:F0}  {(now.Received - previous.Received) / elapsed,10:F0}  {now.Sent - now.Received,12:F0}  " +
                $"{now.QueueDrops,11:F0}  {now.OutputDrops,12:F0}  {(now.Written - previous.Written) / elapsed,9:F0}  {100 * (now.Cpu - previous.Cpu) / elapsed,4:F0}  {now.Rss,7:F0}  " +
                $"{1000 * (now.JitSeconds - previous.JitSeconds),6:F0}  {1000 * (now.GcPauseSeconds - previous.GcPauseSeconds),5:F0}  {now.PoolThreads,12:F0}  {1000 * (now.StealSeconds - previous.StealSeconds),8:F0}"));
            previous = now;
        }
    }

    private static async Task<Sample> SampleAsync(CollectorRun collector, RateSender sender)
    {
        var metrics = await collector.ScrapeAsync();
        return new(
            DateTime.UtcNow,
            sender.Sent,
            metrics.Sum("ogrt_collector_datagrams_received"),
            metrics.Sum("ogrt_collector_datagrams_dropped"),
            metrics.Sum("ogrt_collector_output_dropped"),
            metrics.Sum("ogrt_collector_output_written"),
            collector.CpuSeconds(),
            collector.RssMiB(),
            metrics.Sum("dotnet_jit_compilation_time_seconds"),
            metrics.Sum("dotnet_gc_pause_time_seconds"),
            metrics.Sum("dotnet_thread_pool_thread_count"),
            StealSeconds());
    }

    /// <summary>
    /// CPU time the hypervisor gave to others while this VM's CPUs wanted it (/proc/stat "steal",
    /// all CPUs): a second with much of it is a stall of the whole machine, sender included.
    /// </summary>
    private static double StealSeconds()
    {
        string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 8 ? long.Parse(fields[8], CultureInfo.InvariantCulture) / 100.0 : 0;
    }

    private readonly record struct Sample(DateTime At, long Sent, double Received, double QueueDrops, double OutputDrops, double Written, double Cpu, double Rss,
                                          double JitSeconds, double GcPauseSeconds, double PoolThreads, double StealSeconds);
}
