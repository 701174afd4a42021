using System.Threading.Channels;
using Ogrt.Collector.Configuration;

namespace Ogrt.Collector.Receiving;

/// <summary>
/// The bounded hand-over between the socket thread and decoding, so a slow decode never stalls
/// the socket. Bounded both by count (<c>Collector:ReceiveQueueCapacity</c>) and by bytes
/// (<c>Collector:ReceiveQueueBytes</c>, counting the buffers the datagrams are held in), so a
/// flood of maximum-size datagrams cannot take more memory than configured. When either limit
/// is reached the receiver drops (and counts) the datagram instead of waiting.
/// </summary>
public sealed class ReceiveQueue
{
    private readonly Channel<ReceivedDatagram> _channel;
    private readonly long _maxBytes;
    private long _queuedBytes;

    public ReceiveQueue(CollectorOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _maxBytes = settings.ReceiveQueueBytes;
        _channel = Channel.CreateBounded<ReceivedDatagram>(new BoundedChannelOptions(settings.ReceiveQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
            SingleReader = true,
        });
    }

    /// <summary>Bytes held by the datagrams waiting for decoding (their buffers).</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Queues a datagram; false if the queue is full (by count or bytes) or completed.</summary>
    public bool TryEnqueue(ReceivedDatagram datagram)
    {
        if (Interlocked.Read(ref _queuedBytes) + datagram.HeldBytes > _maxBytes)
            return false;
        Interlocked.Add(ref _queuedBytes, datagram.HeldBytes);
        if (_channel.Writer.TryWrite(datagram))
            return true;
        Interlocked.Add(ref _queuedBytes, -datagram.HeldBytes);
        return false;
    }

    public bool TryDequeue(out ReceivedDatagram datagram)
    {
        if (!_channel.Reader.TryRead(out datagram))
            return false;
        Interlocked.Add(ref _queuedBytes, -datagram.HeldBytes);
        return true;
    }

    /// <summary>Waits for a datagram (true) or for the queue to be completed and empty (false).</summary>
    public ValueTask<bool> WaitToDequeueAsync(CancellationToken cancellationToken) =>
        _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>The receiver has stopped; decoding drains what is left.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
