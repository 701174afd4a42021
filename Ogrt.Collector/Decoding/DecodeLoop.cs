using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Dispatching;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Receiving;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Decoding;

/// <summary>
/// The decode loop: takes datagrams off the <see cref="ReceiveQueue"/>, decodes them and hands
/// the records to the <see cref="OutputDispatcher"/>. It ends when the receiver, stopped first,
/// completes the queue, so nothing accepted from the socket is left behind; if the host gives
/// up waiting first, the rest is counted as dropped for shutdown.
/// </summary>
public sealed partial class DecodeLoop : BackgroundService
{
    private static readonly TimeSpan BusyPollInterval = TimeSpan.FromMilliseconds(1);

    private readonly ReceiveQueue _queue;
    private readonly OutputDispatcher _dispatcher;
    private readonly MalformedDatagramReporter _malformed;
    private readonly CollectorMetrics _metrics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<DecodeLoop> _logger;
    private readonly RecordDecoder _decoder = new();
    private readonly CancellationTokenSource _abort = new();

    public DecodeLoop(
        ReceiveQueue queue,
        OutputDispatcher dispatcher,
        MalformedDatagramReporter malformed,
        CollectorMetrics metrics,
        IHostApplicationLifetime lifetime,
        ILogger<DecodeLoop> logger)
    {
        _queue = queue;
        _dispatcher = dispatcher;
        _malformed = malformed;
        _metrics = metrics;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>
    /// Runs until the receive queue is completed and drained, not until <paramref name="stoppingToken"/>:
    /// a stop must first decode what was accepted. Bad datagrams never throw (they are
    /// counted); an exception here is a bug. Rather than silently stop decoding, stop the
    /// collector with a failure exit code so systemd restarts it.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // The host's start goes on while this loop runs.
        try
        {
            await ProcessAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Reported and turned into a stop with exit code 1.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogDecodingFailed(e);
            Environment.ExitCode = 1;
            _lifetime.StopApplication();
        }
    }

    /// <summary>
    /// Waits for the drain until the host gives up (<paramref name="cancellationToken"/>); then
    /// the rest is dropped for shutdown. A dispatch still waiting for room (OverflowPolicy
    /// Block) ends when the dispatcher, stopped next, closes the queues.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (ExecuteTask is { IsCompleted: false })
            await _abort.CancelAsync().ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    private async Task ProcessAsync()
    {
        while (await _queue.WaitToDequeueAsync(CancellationToken.None).ConfigureAwait(false))
        {
            int processed;
            do
            {
                processed = 0;
                while (_queue.TryDequeue(out var datagram))
                {
                    processed++;
                    if (_abort.IsCancellationRequested)
                    {
                        datagram.Return();
                        _metrics.DatagramDropped("shutdown");
                        continue;
                    }
                    await ProcessOneAsync(datagram).ConfigureAwait(false);
                }
                // Under load, pause briefly before looking again instead of waiting on the
                // queue, which would wake this loop for every datagram; at low rates datagrams
                // come one at a time and the loop goes back to waiting.
                if (processed > 1)
                    await Task.Delay(BusyPollInterval).ConfigureAwait(false);
            }
            while (processed > 1);
        }
    }

    private ValueTask ProcessOneAsync(ReceivedDatagram datagram)
    {
        string? source = datagram.Source is null
            ? null
            : (datagram.Source.IsIPv4MappedToIPv6 ? datagram.Source.MapToIPv4() : datagram.Source).ToString();
        bool decoded = _decoder.TryDecode(datagram.Bytes, datagram.ReceivedAt, source, out var record, out var reason, out var detail);
        datagram.Return();
        if (!decoded)
        {
            _malformed.Report(reason!, detail, source);
            return ValueTask.CompletedTask;
        }
        _metrics.RecordDecoded(record!.Kind);
        var anomalies = record.Anomalies;
        if (anomalies != RecordAnomalies.None)
            _metrics.RecordAnomalous(anomalies);
        return _dispatcher.DispatchAsync(record);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Decoding stopped on an unexpected error; stopping the collector")]
    private partial void LogDecodingFailed(Exception exception);
}
