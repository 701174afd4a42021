using System.Net;
using System.Net.Sockets;
using Ogrt.Collector.Receiving;

namespace Ogrt.Collector.Tests;

/// <summary>recvmmsg batches on real loopback sockets.</summary>
public class DatagramBatchTests
{
    [Test]
    public void A_burst_larger_than_a_batch_arrives_whole_in_order_with_each_sender()
    {
        using var receiver = Bound(IPAddress.Loopback);
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        second.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        // The largest UDP payload over IPv4 last, to show a slot never cuts a datagram off.
        var sent = Enumerable.Range(0, 20).Select(i => Payload(i, 100 + i)).Append(Payload(20, 65507)).ToList();
        for (int i = 0; i < sent.Count; i++)
            (i % 2 == 0 ? first : second).SendTo(sent[i], receiver.LocalEndPoint!);

        using var batch = new DatagramBatch(capacity: 8);
        var senders = new SenderAddresses();
        var received = new List<(byte[] Payload, IPAddress? Sender)>();
        var batchSizes = new List<int>();
        while (received.Count < sent.Count)
        {
            int count = batch.Receive(receiver);
            Assert.That(count, Is.Positive, "every datagram was sent before the first receive");
            batchSizes.Add(count);
            for (int i = 0; i < count; i++)
                received.Add((batch.Payload(i).ToArray(), senders.Of(batch.SenderAddress(i))));
        }

        Assert.Multiple(() =>
        {
            Assert.That(received.Select(datagram => datagram.Payload), Is.EqualTo(sent));
            Assert.That(batchSizes, Has.All.LessThanOrEqualTo(8));
            Assert.That(batchSizes, Has.Some.GreaterThan(1), "several datagrams per system call");
            Assert.That(received.Where((_, i) => i % 2 == 0).Select(datagram => datagram.Sender).Distinct().Single(),
                Is.SameAs(received[0].Sender), "one shared address per sender");
            Assert.That(received[0].Sender, Is.EqualTo(IPAddress.Loopback));
        });
    }

    [Test]
    public void A_receive_with_nothing_queued_returns_none_after_the_socket_timeout()
    {
        using var receiver = Bound(IPAddress.Loopback);
        receiver.ReceiveTimeout = 50;
        using var batch = new DatagramBatch(capacity: 4);

        Assert.That(batch.Receive(receiver), Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Payload(0));
    }

    [Test]
    public void IPv6_senders_keep_their_address()
    {
        if (!Socket.OSSupportsIPv6)
            Assert.Ignore("This machine has no IPv6.");
        using var receiver = Bound(IPAddress.IPv6Any);
        using var sender = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        sender.SendTo(Payload(1, 10), new IPEndPoint(IPAddress.IPv6Loopback, ((IPEndPoint)receiver.LocalEndPoint!).Port));
        using var ipv4Sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        ipv4Sender.SendTo(Payload(2, 10), new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)receiver.LocalEndPoint!).Port));

        using var batch = new DatagramBatch(capacity: 4);
        var senders = new SenderAddresses();
        var addresses = new List<IPAddress?>();
        while (addresses.Count < 2)
        {
            int count = batch.Receive(receiver);
            for (int i = 0; i < count; i++)
                addresses.Add(senders.Of(batch.SenderAddress(i)));
        }

        Assert.That(addresses, Is.EqualTo(new[] { IPAddress.IPv6Loopback, IPAddress.Loopback.MapToIPv6() }));
    }

    private static Socket Bound(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        if (address.Equals(IPAddress.IPv6Any))
            socket.DualMode = true;
        socket.Bind(new IPEndPoint(address, 0));
        socket.ReceiveTimeout = 5000;
        return socket;
    }

    private static byte[] Payload(int index, int length)
    {
        var payload = new byte[length];
        new Random(index).NextBytes(payload);
        return payload;
    }
}
