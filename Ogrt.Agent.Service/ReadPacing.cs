namespace Ogrt.Agent.Service;

/// <summary>
/// When the receive loop reads the agent socket on a timer instead of waiting on it. A gate's
/// send to a socket nobody waits on costs the tracked process 13–16 µs; one that wakes the
/// waiting service costs it 38–44 µs (bench/agent/service/README.md). So while messages come
/// less than two intervals apart, the loop sleeps an interval and then takes what queued
/// meanwhile; after two empty reads it waits on the socket again, so a quiet node, or one that
/// starts a process now and then, sees no timer at all.
/// </summary>
/// <remarks>
/// The socket holds at most <c>net.unix.max_dgram_qlen</c> messages (512 on a node booted by
/// systemd, 10 otherwise); beyond that a gate falls back to a fork. Pacing is off below 64, and
/// the interval halves whenever a read finds more than a quarter of the queue filled, so a
/// burst shortens the sleeps instead of filling the socket.
/// </remarks>
internal sealed class ReadPacing
{
    private const int MaxIntervalMilliseconds = 20;
    private const int MinQueueLength = 64;
    private const int EmptyReadsToStop = 2;

    private readonly int _busyRead;
    private long _lastArrival = long.MinValue / 2;
    private int _emptyReads;

    /// <param name="socketQueueLength">The socket's queue limit (<see cref="SocketQueueLimit"/>); 0 if unknown.</param>
    public ReadPacing(int socketQueueLength) => _busyRead = socketQueueLength >= MinQueueLength ? socketQueueLength / 4 : 0;

    /// <summary>How long to sleep before the next read.</summary>
    public int IntervalMilliseconds { get; private set; } = MaxIntervalMilliseconds;

    /// <summary>A message woke the loop at <paramref name="now"/>: whether to read on a timer from now on.</summary>
    public bool Starts(long now)
    {
        bool soon = now - _lastArrival < 2 * MaxIntervalMilliseconds;
        _lastArrival = now;
        _emptyReads = 0;
        return _busyRead > 0 && soon;
    }

    /// <summary>A timed read took <paramref name="taken"/> messages: false to go back to waiting on the socket.</summary>
    public bool Continues(int taken, long now)
    {
        if (taken == 0)
            return ++_emptyReads < EmptyReadsToStop;
        _emptyReads = 0;
        _lastArrival = now;
        if (taken > _busyRead)
            IntervalMilliseconds = Math.Max(1, IntervalMilliseconds / 2);
        else if (taken <= _busyRead / 4)
            IntervalMilliseconds = Math.Min(MaxIntervalMilliseconds, IntervalMilliseconds * 2);
        return true;
    }
}
