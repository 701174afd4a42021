using System.Globalization;

namespace Ogrt.Bench.Collector;

/// <summary>
/// The collector's garbage-collector counters (the runtime's <c>System.Runtime</c> meter, which
/// the collector exports next to its own): bytes allocated, collections and time paused.
/// A collector that does not export them reads as <see cref="Available"/> false.
/// </summary>
internal readonly record struct RuntimeCounters(bool Available, double AllocatedBytes, double Collections, double Gen2Collections, double PauseSeconds)
{
    public static RuntimeCounters From(CollectorRun.MetricsSnapshot metrics)
    {
        var allocated = metrics.Samples("dotnet_gc_heap_total_allocated_bytes");
        if (allocated.Count == 0)
            return default;
        var collections = metrics.Samples("dotnet_gc_collections");
        return new RuntimeCounters(
            true,
            CollectorRun.MetricsSnapshot.SumOf(allocated),
            CollectorRun.MetricsSnapshot.SumOf(collections),
            CollectorRun.MetricsSnapshot.SumOf(collections.Where(line => line.Contains("gen2", StringComparison.Ordinal))),
            metrics.Sum("dotnet_gc_pause_time_seconds"));
    }

    /// <summary>What happened in between; a start read before the runtime's meter was exported counts from zero (start-up only).</summary>
    public static RuntimeCounters operator -(RuntimeCounters after, RuntimeCounters before) =>
        new(after.Available, after.AllocatedBytes - before.AllocatedBytes, after.Collections - before.Collections,
            after.Gen2Collections - before.Gen2Collections, after.PauseSeconds - before.PauseSeconds);

    public string Describe(double records) => Available
        ? string.Create(CultureInfo.InvariantCulture,
            $"allocated {AllocatedBytes / Math.Max(records, 1):F0} B/record, {Collections} GCs ({Gen2Collections} gen2) paused {PauseSeconds * 1000:F0} ms")
        : "allocations n/a";
}
