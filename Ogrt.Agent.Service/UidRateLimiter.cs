namespace Ogrt.Agent.Service;

/// <summary>
/// A token bucket per uid: one user's runaway loop (or a deliberate flood) cannot take the
/// service, and the collector, from everyone else. Over the limit, messages are dropped and counted.
/// </summary>
internal sealed class UidRateLimiter
{
    private const int MaxTrackedUids = 65536;
    private readonly Dictionary<uint, Bucket> _buckets = [];
    private readonly double _perMillisecond;
    private readonly double _burst;

    public UidRateLimiter(double perSecond, double burst)
    {
        _perMillisecond = perSecond / 1000;
        _burst = burst;
    }

    public bool TryTake(uint uid, long nowMilliseconds)
    {
        if (!_buckets.TryGetValue(uid, out var bucket))
        {
            if (_buckets.Count >= MaxTrackedUids)
                _buckets.Clear();
            bucket = new Bucket(_burst, nowMilliseconds);
        }
        double tokens = Math.Min(_burst, bucket.Tokens + (nowMilliseconds - bucket.Updated) * _perMillisecond);
        bool allowed = tokens >= 1;
        _buckets[uid] = new Bucket(allowed ? tokens - 1 : tokens, nowMilliseconds);
        return allowed;
    }

    private readonly record struct Bucket(double Tokens, long Updated);
}
