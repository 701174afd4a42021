using System.Globalization;
using System.Text;

namespace Ogrt.Agent.Service;

/// <summary>
/// What the service has done since it started, written as <c>name value</c> lines to a file
/// that <c>ogrt doctor</c> reads (replaced atomically, so a reader never sees half of it).
/// </summary>
internal sealed class ServiceCounters
{
    /// <summary>Messages taken off the socket.</summary>
    public long Received;
    /// <summary>Records the collector was sent.</summary>
    public long Sent;
    /// <summary>Messages that were not a valid gate message (wrong format, no credentials, too long).</summary>
    public long Malformed;
    /// <summary>Messages dropped because their uid was over its rate.</summary>
    public long RateLimited;
    /// <summary>Records not sent: the collector's name did not resolve, or sendto failed.</summary>
    public long SendFailed;
    /// <summary>Messages that the gate had to cut to its size limit (sent, marked truncated).</summary>
    public long Truncated;
    /// <summary>Processes captured by the fork path because this socket's queue was full (their notices).</summary>
    public long Fallbacks;
    /// <summary>Reads of the socket on the pacing timer, while messages kept coming (<see cref="ReadPacing"/>).</summary>
    public long TimedReads;

    /// <summary>Whether end records are reported, or why not (doctor explains the value).</summary>
    public EndRecordsState EndRecords;
    /// <summary>Exit reports read (every thread that exited on the node, tracked or not).</summary>
    public long ExitsRead;
    /// <summary>Messages on the exit socket that another process sent, not the kernel (dropped).</summary>
    public long ExitsNotFromKernel;
    /// <summary>Times the kernel dropped exit reports because the exit socket's buffer was full.</summary>
    public long ExitOverruns;
    /// <summary>End records the collector was sent.</summary>
    public long EndsSent;
    /// <summary>End records not sent (as <see cref="SendFailed"/>).</summary>
    public long EndsSendFailed;
    /// <summary>Starts that get no end record: exit missed (overrun, before the service listened), table full.</summary>
    public long StartsWithoutEnd;
    /// <summary>Tracked processes running now (waiting for their end).</summary>
    public long RunsTracked;

    public string Format() => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"received {Received}\n")
        .Append(CultureInfo.InvariantCulture, $"sent {Sent}\n")
        .Append(CultureInfo.InvariantCulture, $"malformed {Malformed}\n")
        .Append(CultureInfo.InvariantCulture, $"rate_limited {RateLimited}\n")
        .Append(CultureInfo.InvariantCulture, $"send_failed {SendFailed}\n")
        .Append(CultureInfo.InvariantCulture, $"truncated {Truncated}\n")
        .Append(CultureInfo.InvariantCulture, $"fallbacks {Fallbacks}\n")
        .Append(CultureInfo.InvariantCulture, $"timed_reads {TimedReads}\n")
        .Append(CultureInfo.InvariantCulture, $"end_records {(int)EndRecords}\n")
        .Append(CultureInfo.InvariantCulture, $"exits_read {ExitsRead}\n")
        .Append(CultureInfo.InvariantCulture, $"exits_not_from_kernel {ExitsNotFromKernel}\n")
        .Append(CultureInfo.InvariantCulture, $"exit_overruns {ExitOverruns}\n")
        .Append(CultureInfo.InvariantCulture, $"ends_sent {EndsSent}\n")
        .Append(CultureInfo.InvariantCulture, $"ends_send_failed {EndsSendFailed}\n")
        .Append(CultureInfo.InvariantCulture, $"starts_without_end {StartsWithoutEnd}\n")
        .Append(CultureInfo.InvariantCulture, $"runs_tracked {RunsTracked}\n")
        .ToString();

    /// <summary>Writes the counters to <paramref name="path"/>; a failure only costs this update.</summary>
    public void WriteTo(string path)
    {
        string temporary = path + ".tmp";
        try
        {
            File.WriteAllText(temporary, Format());
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
