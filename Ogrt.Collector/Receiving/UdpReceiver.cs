using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Diagnostics;
using Ogrt.Collector.Metrics;

namespace Ogrt.Collector.Receiving;

/// <summary>
/// Reads agent datagrams from the UDP socket, a batch per system call (<see cref="DatagramBatch"/>),
/// and hands them to decoding through the <see cref="ReceiveQueue"/>. The loop only copies
/// bytes: anything slow happens downstream.
/// </summary>
public sealed partial class UdpReceiver : BackgroundService
{
    /// <summary>
    /// Datagrams read per system call at most. Under load one recvmmsg takes a batch at once;
    /// at low rates it returns with the first datagram, so nothing waits for a batch to fill.
    /// </summary>
    private const int BatchCapacity = 32;

    private static readonly TimeSpan StopCheckInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// After a receive that found several datagrams but did not fill the batch (the socket is
    /// drained, more are coming), wait this long before the next one: the kernel's buffer
    /// collects them meanwhile and one wake-up takes a batch, rather than one wake-up per
    /// datagram. At low rates a datagram comes alone and is read at once.
    /// </summary>
    private static readonly TimeSpan ReceiveLinger = TimeSpan.FromMilliseconds(1);

    /// <summary>How often the kernel's drop count is checked for a warning (the metric is read at each export).</summary>
    private static readonly TimeSpan KernelDropCheckInterval = TimeSpan.FromSeconds(10);

    private readonly CollectorOptions _settings;
    private readonly ReceiveQueue _queue;
    private readonly CollectorMetrics _metrics;
    private readonly ILogger<UdpReceiver> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly WarningThrottle _queueFullWarnings;
    private readonly WarningThrottle _socketErrorWarnings;
    private Socket? _socket;
    private KernelDropCounter? _kernelDrops;

    public UdpReceiver(CollectorOptions settings, ReceiveQueue queue, CollectorMetrics metrics, ILogger<UdpReceiver> logger, TimeProvider timeProvider)
    {
        _settings = settings;
        _queue = queue;
        _metrics = metrics;
        _logger = logger;
        _timeProvider = timeProvider;
        _queueFullWarnings = new WarningThrottle(timeProvider, TimeSpan.FromSeconds(10));
        _socketErrorWarnings = new WarningThrottle(timeProvider, TimeSpan.FromSeconds(10));
        _metrics.Meter.CreateObservableCounter(
            "ogrt.collector.datagrams.kernel_dropped",
            () => _kernelDrops?.Read() is { } drops ? [new Measurement<long>(drops)] : Array.Empty<Measurement<long>>(),
            "{datagram}",
            "Datagrams the kernel dropped before the collector read them, because the socket's receive buffer was full.");
    }

    /// <summary>The address and port the socket is bound to (the real port when Collector:Port is 0).</summary>
    public IPEndPoint LocalEndPoint =>
        (IPEndPoint)(_socket?.LocalEndPoint ?? throw new InvalidOperationException("The receiver is not bound yet."));

    /// <summary>
    /// Binds the socket. Called while the collector starts, before the host runs, so a port
    /// that cannot be bound is a configuration error rather than a crash of the loop.
    /// </summary>
    public void Bind()
    {
        if (_socket is not null)
            return;
        var address = _settings.ListenAddress();
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // "::" accepts IPv4 too (as IPv4-mapped addresses); a specific IPv6 address does not.
            if (address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            if (_settings.ReceiveBufferBytes is { } requested)
            {
                socket.ReceiveBufferSize = requested;
                // Linux caps the request at net.core.rmem_max, then reports twice what it set
                // (the extra half is its bookkeeping).
                int granted = socket.ReceiveBufferSize / 2;
                if (granted < requested)
                    LogReceiveBufferCapped(requested, granted);
            }
            socket.Bind(new IPEndPoint(address, _settings.Port));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new CollectorConfigurationException(
                $"Collector:Address/Collector:Port: cannot bind UDP {new IPEndPoint(address, _settings.Port)}: {e.Message}", e);
        }
        _socket = socket;
        _kernelDrops = KernelDropCounter.For(socket);
        LogListening(LocalEndPoint, socket.ReceiveBufferSize / 2);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Bind();
        // A dedicated thread doing blocking receives: no thread-pool hop per datagram, and the
        // loop never waits behind other work in the pool while the kernel buffer fills up.
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ReceiveUntilStopped(_socket!, stoppingToken);
                stopped.SetResult();
            }
#pragma warning disable CA1031 // Handed to the host, which logs it and stops; systemd restarts the collector.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Environment.ExitCode = 1;
                stopped.SetException(e);
            }
            finally
            {
                // Decoding drains what is queued and then stops.
                _queue.Complete();
            }
        })
        {
            IsBackground = true,
            Name = "ogrt-udp-receive",
        };
        thread.Start();
        return WarnAboutKernelDropsUntilAsync(stopped.Task);
    }

    /// <summary>Warns (every KernelDropCheckInterval at most) while the kernel drops datagrams, until the receive loop ends.</summary>
    private async Task WarnAboutKernelDropsUntilAsync(Task receiving)
    {
        long warned = _kernelDrops?.Read() ?? 0;
        using var timer = new PeriodicTimer(KernelDropCheckInterval, _timeProvider);
        var tick = timer.WaitForNextTickAsync().AsTask();
        while (await Task.WhenAny(receiving, tick).ConfigureAwait(false) == tick)
        {
            if (_kernelDrops?.Read() is { } drops && drops > warned)
            {
                LogKernelDrops(drops - warned, drops, _socket!.ReceiveBufferSize / 2);
                warned = drops;
            }
            tick = timer.WaitForNextTickAsync().AsTask();
        }
        await receiving.ConfigureAwait(false);
    }

    private void ReceiveUntilStopped(Socket socket, CancellationToken stoppingToken)
    {
        using var batch = new DatagramBatch(BatchCapacity);
        var senders = new SenderAddresses();
        // recvmmsg below needs a blocking socket; the blocking wait wakes up this often to notice a stop.
        socket.Blocking = true;
        socket.ReceiveTimeout = (int)StopCheckInterval.TotalMilliseconds;
        while (!stoppingToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = batch.Receive(socket);
            }
            catch (SocketException e)
            {
                // E.g. an ICMP error reported on the socket: nothing is lost, keep listening.
                if (_socketErrorWarnings.ShouldLog(out long suppressed))
                    LogSocketError(e.SocketErrorCode, e.Message, suppressed);
                continue;
            }
            if (received == 0)
                continue;

            _metrics.DatagramsReceived(received);
            var receivedAt = _timeProvider.GetUtcNow();
            for (int i = 0; i < received; i++)
                Enqueue(batch.Payload(i), senders.Of(batch.SenderAddress(i)), receivedAt);
            if (received > 1 && received < BatchCapacity)
                Thread.Sleep(ReceiveLinger);
        }
    }

    /// <summary>Copies a datagram out of the batch's slot into a buffer of its size rounded up to a KiB; the queue's byte bound counts that buffer.</summary>
    private void Enqueue(ReadOnlySpan<byte> payload, IPAddress? sender, DateTimeOffset receivedAt)
    {
        var datagram = ReceivedDatagram.CopyOf(payload, sender, receivedAt);
        if (!_queue.TryEnqueue(datagram))
        {
            datagram.Return();
            _metrics.DatagramDropped("receive_queue_full");
            if (_queueFullWarnings.ShouldLog(out long suppressed))
                LogQueueFull(_settings.ReceiveQueueCapacity, _settings.ReceiveQueueBytes, suppressed);
        }
    }

    public override void Dispose()
    {
        _socket?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for agent datagrams on UDP {EndPoint} (receive buffer {ReceiveBufferBytes} bytes)")]
    private partial void LogListening(IPEndPoint endPoint, int receiveBufferBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collector:ReceiveBufferBytes asked for {Requested} bytes but the kernel granted {Granted}; raise net.core.rmem_max (sysctl) to get more")]
    private partial void LogReceiveBufferCapped(int requested, int granted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a datagram: the receive queue is full (Collector:ReceiveQueueCapacity = {Capacity} datagrams, Collector:ReceiveQueueBytes = {Bytes}) because decoding falls behind ({Suppressed} more since the last warning)")]
    private partial void LogQueueFull(int capacity, long bytes, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The kernel dropped {Count} datagrams ({Total} since start) because the socket's receive buffer ({ReceiveBufferBytes} bytes) was full; raise Collector:ReceiveBufferBytes and net.core.rmem_max")]
    private partial void LogKernelDrops(long count, long total, int receiveBufferBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UDP receive failed with {Error}: {Message} ({Suppressed} more since the last warning)")]
    private partial void LogSocketError(SocketError error, string message, long suppressed);
}
