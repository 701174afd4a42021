using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Dispatching;
using Ogrt.Collector.Metrics;
using Ogrt.Collector.Receiving;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Decoding;

/// <summary>
/// Takes datagrams off the <see cref="ReceiveQueue"/>, decodes them and hands the records to
/// the <see cref="OutputDispatcher"/>. On shutdown it drains the queue after the receiver has
/// stopped, so nothing accepted from the socket is left behind.
/// </summary>
public sealed partial class DatagramProcessor : IHostedService
{
    private static readonly TimeSpan BusyPollInterval = TimeSpan.FromMilliseconds(1);

    private readonly ReceiveQueue _queue;
    private readonly OutputDispatcher _dispatcher;
    private readonly MalformedDatagramReporter _malformed;
    private readonly CollectorMetrics _metrics;
    private readonly CancellationTokenSource _abort = new();
    private readonly RecordDecoder _decoder = new();
    private Task _processing = Task.CompletedTask;

    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<DatagramProcessor> _logger;

    public DatagramProcessor(
        ReceiveQueue queue,
        OutputDispatcher dispatcher,
        MalformedDatagramReporter malformed,
        CollectorMetrics metrics,
        IHostApplicationLifetime lifetime,
        ILogger<DatagramProcessor> logger)
    {
        _queue = queue;
        _dispatcher = dispatcher;
        _malformed = malformed;
        _metrics = metrics;
        _lifetime = lifetime;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _processing = Task.Run(ProcessOrStopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Bad datagrams never throw (they are counted); an exception here is a bug. Rather than
    /// silently stop decoding, stop the collector with a failure exit code so systemd restarts it.
    /// </summary>
    private async Task ProcessOrStopAsync()
    {
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
    /// Waits until the queue is drained (the receiver completes it when it stops). If the host
    /// gives up first, the rest is counted as dropped for shutdown; a dispatch still waiting for
    /// room (OverflowPolicy Block) ends when the dispatcher, stopped next, closes the queues.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _processing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
        }
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
