namespace Ogrt.Collector.Queueing;

/// <summary>The <c>reason</c> tag of <c>ogrt.collector.output.dropped</c>.</summary>
public static class DropReasons
{
    /// <summary>The queue was full (DropNewest or DropOldest).</summary>
    public const string Overflow = "overflow";

    /// <summary>The queue stayed full for the whole BlockTimeout (Block).</summary>
    public const string BlockTimeout = "block_timeout";

    /// <summary>The destination refused the record for good and the output could not keep it.</summary>
    public const string Rejected = "rejected";

    /// <summary>Still queued or in flight when Collector:ShutdownTimeout ran out.</summary>
    public const string Shutdown = "shutdown";

    /// <summary>The spool could not write the record to disk (e.g. the file system is full).</summary>
    public const string SpoolFailed = "spool_failed";

    /// <summary>The record was spooled but its segment file was damaged when it was read back.</summary>
    public const string SpoolCorrupt = "spool_corrupt";
}
