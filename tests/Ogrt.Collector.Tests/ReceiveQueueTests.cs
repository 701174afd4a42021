using System.Net;
using Ogrt.Collector.Configuration;
using Ogrt.Collector.Receiving;
using Ogrt.Collector.Tests.Support;
using Ogrt.Outputs.Abstractions;

namespace Ogrt.Collector.Tests;

public class ReceiveQueueTests
{
    [Test]
    public void The_byte_limit_refuses_a_datagram_that_would_exceed_it_and_frees_room_on_dequeue()
    {
        var queue = new ReceiveQueue(Settings(capacity: 1000, bytes: 10 * 1024));

        Assert.Multiple(() =>
        {
            Assert.That(queue.TryEnqueue(Datagram(6 * 1024)), Is.True);
            Assert.That(queue.TryEnqueue(Datagram(4 * 1024 + 1)), Is.False,
                "4,097 bytes are held in a 5 KiB buffer, and 11 KiB would exceed the limit");
            Assert.That(queue.TryEnqueue(Datagram(4 * 1024)), Is.True);
            Assert.That(queue.QueuedBytes, Is.EqualTo(10 * 1024));
        });
        Assert.That(queue.TryDequeue(out var first), Is.True);
        first.Return();
        Assert.That(queue.QueuedBytes, Is.EqualTo(4 * 1024));
        Assert.That(queue.TryEnqueue(Datagram(6 * 1024)), Is.True);
    }

    [Test]
    public async Task When_decoding_is_held_up_a_full_receive_queue_drops_and_counts_datagrams()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outputs = new TestOutputFactory((_, output) => output.HoldWritesUntil(gate.Task));
        await using var collector = await InProcessCollector.StartAsync(
        [
            "Collector:ReceiveQueueCapacity=16",
            // Block with a long wait: a full output queue holds up decoding itself.
            "Outputs:Gated:Type=Test", "Outputs:Gated:Workers=1", "Outputs:Gated:BatchSize=1",
            "Outputs:Gated:QueueCapacity=1", "Outputs:Gated:OverflowPolicy=Block", "Outputs:Gated:BlockTimeout=00:10:00",
        ], outputs);

        // 1 is being written, 2 waits in the output queue, 3 blocks decoding, 4-19 fill the receive queue.
        await collector.SendAsync(Enumerable.Range(1, 3).Select(TestDatagrams.Encode));
        await Poll.UntilAsync(() => collector.Metrics.Sum("ogrt.collector.records.decoded") == 3, "decoding is blocked on record 3");
        await collector.SendAsync(Enumerable.Range(4, 26).Select(TestDatagrams.Encode));

        Assert.That(collector.Metrics.Sum("ogrt.collector.datagrams.dropped", ("reason", "receive_queue_full")), Is.EqualTo(10));
        gate.SetResult();
        await Poll.UntilAsync(() => outputs["Gated"].Delivered.Count == 19, "everything that was queued is delivered");
        Assert.That(outputs["Gated"].Delivered.Select(r => r.Pid).Order(), Is.EqualTo(Enumerable.Range(1, 19)));
    }

    private static ReceivedDatagram Datagram(int length) =>
        ReceivedDatagram.CopyOf(new byte[length], IPAddress.Loopback, DateTimeOffset.UnixEpoch);

    private static CollectorOptions Settings(int capacity, long bytes) => new()
    {
        Address = "127.0.0.1",
        Port = 0,
        ReceiveQueueCapacity = capacity,
        ReceiveQueueBytes = bytes,
        ShutdownTimeout = TimeSpan.FromSeconds(1),
        StateDirectory = "state",
        PluginsDirectory = "plugins",
    };
}
