namespace Ogrt.Collector.Diagnostics;

/// <summary>
/// Lets one warning through per interval and counts the ones held back, so a repeating
/// problem (a flood of bad datagrams, a backend that is down) cannot flood the journal.
/// Thread-safe.
/// </summary>
public sealed class WarningThrottle
{
    private readonly TimeProvider _timeProvider;
    private readonly long _intervalTicks;
    private readonly Lock _lock = new();
    private bool _hasLogged;
    private long _lastLoggedAt;
    private long _suppressed;

    public WarningThrottle(TimeProvider timeProvider, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _intervalTicks = (long)(interval.TotalSeconds * timeProvider.TimestampFrequency);
    }

    /// <summary>
    /// True if the caller should log now; <paramref name="suppressed"/> is how many warnings
    /// were held back since the last one that was logged.
    /// </summary>
    public bool ShouldLog(out long suppressed)
    {
        long now = _timeProvider.GetTimestamp();
        lock (_lock)
        {
            if (_hasLogged && now - _lastLoggedAt < _intervalTicks)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }
            suppressed = _suppressed;
            _suppressed = 0;
            _lastLoggedAt = now;
            _hasLogged = true;
            return true;
        }
    }
}
