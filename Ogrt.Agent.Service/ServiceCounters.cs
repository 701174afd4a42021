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

    public string Format() => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"received {Received}\n")
        .Append(CultureInfo.InvariantCulture, $"sent {Sent}\n")
        .Append(CultureInfo.InvariantCulture, $"malformed {Malformed}\n")
        .Append(CultureInfo.InvariantCulture, $"rate_limited {RateLimited}\n")
        .Append(CultureInfo.InvariantCulture, $"send_failed {SendFailed}\n")
        .Append(CultureInfo.InvariantCulture, $"truncated {Truncated}\n")
        .Append(CultureInfo.InvariantCulture, $"fallbacks {Fallbacks}\n")
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
