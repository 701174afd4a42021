using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Diagnostics;
using Ogrt.Collector.Metrics;

namespace Ogrt.Collector.Decoding;

/// <summary>
/// Counts every malformed datagram by reason and logs a throttled warning per reason, so a
/// misbehaving sender is visible without flooding the journal.
/// </summary>
public sealed partial class MalformedDatagramReporter
{
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private readonly CollectorMetrics _metrics;
    private readonly ILogger<MalformedDatagramReporter> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<MalformedReason, WarningThrottle> _throttles = new();

    public MalformedDatagramReporter(CollectorMetrics metrics, ILogger<MalformedDatagramReporter> logger, TimeProvider timeProvider)
    {
        _metrics = metrics;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public void Report(MalformedReason reason, string? detail, string? sourceAddress)
    {
        _metrics.DatagramMalformed(reason.Name);
        var throttle = _throttles.GetOrAdd(reason, static (_, time) => new WarningThrottle(time, WarningInterval), _timeProvider);
        if (throttle.ShouldLog(out long suppressed))
            LogMalformed(reason.Name, sourceAddress ?? "unknown", detail ?? "", suppressed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a malformed datagram ({Reason}) from {Source}: {Detail} ({Suppressed} more of this kind since the last warning)")]
    private partial void LogMalformed(string reason, string source, string detail, long suppressed);
}
