namespace Ogrt.Collector.Dispatching;

/// <summary>
/// Retry delays that double from an initial delay up to a maximum, with "equal jitter"
/// (half fixed, half random) so the workers of many collectors do not retry in lockstep
/// against a backend that just came back.
/// </summary>
public sealed class ExponentialBackoff
{
    private readonly TimeSpan _initialDelay;
    private readonly TimeSpan _maxDelay;
    private readonly Random _random;

    public ExponentialBackoff(TimeSpan initialDelay, TimeSpan maxDelay, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initialDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, initialDelay);
        _initialDelay = initialDelay;
        _maxDelay = maxDelay;
        _random = random ?? Random.Shared;
    }

    /// <summary>The delay before retry number <paramref name="attempt"/> (1 for the first retry).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        // Cap the exponent so the multiplication cannot overflow; 2^30 times any delay is past the cap anyway.
        double ceiling = Math.Min(_maxDelay.Ticks, _initialDelay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 30)));
        double half = ceiling / 2;
        return TimeSpan.FromTicks((long)(half + (_random.NextDouble() * half)));
    }
}
