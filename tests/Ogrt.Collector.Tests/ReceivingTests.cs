using System.Net;
using System.Net.Sockets;
using Ogrt.Collector.Tests.Support;
using Ogrt.Protocol;

namespace Ogrt.Collector.Tests;

/// <summary>Real datagrams over loopback to a collector built the way the binary builds it.</summary>
public class ReceivingTests
{
    private static readonly string[] TestOutput = ["Outputs:Mem:Type=Test", "Outputs:Mem:BatchInterval=00:00:00.050"];

    [Test]
    public async Task Records_sent_over_IPv4_reach_the_output_with_every_field()
    {
        var outputs = new TestOutputFactory();
        await using var collector = await InProcessCollector.StartAsync(TestOutput, outputs);

        await collector.SendAsync(Enumerable.Range(1, 100).Select(TestDatagrams.Encode));

        await Poll.UntilAsync(() => outputs["Mem"].Delivered.Count == 100, "100 records are delivered");
        var records = outputs["Mem"].Delivered.OrderBy(record => record.Pid).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(records.Select(record => record.Pid), Is.EqualTo(Enumerable.Range(1, 100)));
            Assert.That(records.All(record => record.SourceAddress == "127.0.0.1"), Is.True);
            Assert.That(records[41].GetMessages(ProcessInfo.SharedObjectsFieldNumber), Has.Count.EqualTo(40));
            Assert.That(records[41].Binpath, Is.EqualTo("/opt/apps/gromacs/2024.1/bin/gmx_mpi"));
            Assert.That(collector.Metrics.Sum("ogrt.collector.records.decoded"), Is.EqualTo(100));
        });
        await Poll.UntilAsync(() => collector.Metrics.Sum("ogrt.collector.output.written", ("output", "Mem")) == 100, "the writes are counted");
    }

    [Test]
    public async Task Records_with_an_impossible_pid_or_a_time_far_from_now_are_delivered_flagged_and_counted()
    {
        var outputs = new TestOutputFactory();
        await using var collector = await InProcessCollector.StartAsync(TestOutput, outputs);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        ProcessInfo Info(int pid, long time)
        {
            var info = TestDatagrams.ProcessInfo(pid);
            info.Time = time;
            info.ClearTimeUs();
            return info;
        }

        await collector.SendAsync(new[] { Info(0, now), Info(2, 0), Info(-3, long.MaxValue), Info(4, now) }.Select(MessageFrame.Encode));

        await Poll.UntilAsync(() => outputs["Mem"].Delivered.Count == 4, "every record is delivered");
        var anomalies = outputs["Mem"].Delivered.ToDictionary(record => record.Pid, record => record.Anomalies);
        Assert.Multiple(() =>
        {
            Assert.That(anomalies[0], Is.EqualTo(Outputs.Abstractions.RecordAnomalies.Pid));
            Assert.That(anomalies[2], Is.EqualTo(Outputs.Abstractions.RecordAnomalies.Time));
            Assert.That(anomalies[-3], Is.EqualTo(Outputs.Abstractions.RecordAnomalies.Pid | Outputs.Abstractions.RecordAnomalies.Time));
            Assert.That(anomalies[4], Is.EqualTo(Outputs.Abstractions.RecordAnomalies.None));
            Assert.That(collector.Metrics.Sum("ogrt.collector.records.anomalous", ("reason", "pid")), Is.EqualTo(2));
            Assert.That(collector.Metrics.Sum("ogrt.collector.records.anomalous", ("reason", "time")), Is.EqualTo(2));
        });
    }

    [TestCase(AddressFamily.InterNetwork)]
    [TestCase(AddressFamily.InterNetworkV6)]
    public async Task The_kernel_drop_counter_reads_what_a_full_socket_buffer_dropped(AddressFamily family)
    {
        if (family == AddressFamily.InterNetworkV6 && !Socket.OSSupportsIPv6)
            Assert.Ignore("This machine has no IPv6.");
        var loopback = family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        // Never read: the smallest buffer fills after a few datagrams and the kernel drops the rest.
        using var receiver = new Socket(family, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4096 };
        receiver.Bind(new IPEndPoint(loopback, 0));
        var counter = Ogrt.Collector.Receiving.KernelDropCounter.For(receiver);
        Assert.That(counter?.Read(), Is.Zero);

        using var sender = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        for (int i = 0; i < 200; i++)
            sender.SendTo(new byte[1000], receiver.LocalEndPoint!);

        await Poll.UntilAsync(() => counter!.Read() > 0, "the kernel counted drops");
        Assert.That(counter!.Read(), Is.LessThanOrEqualTo(200));
    }

    [Test]
    public async Task Records_sent_over_IPv6_loopback_are_received()
    {
        if (!Socket.OSSupportsIPv6)
            Assert.Ignore("This machine has no IPv6.");
        var outputs = new TestOutputFactory();
        await using var collector = await InProcessCollector.StartAsync([.. TestOutput, "Collector:Address=::1"], outputs);

        Assert.That(collector.EndPoint.AddressFamily, Is.EqualTo(AddressFamily.InterNetworkV6));
        await collector.SendAsync(Enumerable.Range(1, 10).Select(TestDatagrams.Encode));

        await Poll.UntilAsync(() => outputs["Mem"].Delivered.Count == 10, "10 records are delivered");
        Assert.That(outputs["Mem"].Delivered.Select(record => record.SourceAddress).Distinct(), Is.EqualTo(new[] { "::1" }));
    }

    [Test]
    public async Task A_dual_stack_listener_accepts_IPv4_and_IPv6_senders()
    {
        if (!Socket.OSSupportsIPv6)
            Assert.Ignore("This machine has no IPv6.");
        var outputs = new TestOutputFactory();
        await using var collector = await InProcessCollector.StartAsync([.. TestOutput, "Collector:Address=::"], outputs);
        int port = collector.EndPoint.Port;

        await collector.SendAsync([TestDatagrams.Encode(4)], new IPEndPoint(IPAddress.Loopback, port));
        await collector.SendAsync([TestDatagrams.Encode(6)], new IPEndPoint(IPAddress.IPv6Loopback, port));

        await Poll.UntilAsync(() => outputs["Mem"].Delivered.Count == 2, "both records are delivered");
        var sources = outputs["Mem"].Delivered.ToDictionary(record => record.Pid, record => record.SourceAddress);
        // The IPv4 sender is reported as plain IPv4, not as ::ffff:127.0.0.1.
        Assert.That(sources, Is.EqualTo(new Dictionary<int, string?> { [4] = "127.0.0.1", [6] = "::1" }));
    }

    [Test]
    public async Task Malformed_datagrams_are_counted_by_reason_and_the_collector_keeps_running()
    {
        var outputs = new TestOutputFactory();
        await using var collector = await InProcessCollector.StartAsync(TestOutput, outputs);
        byte[] valid = TestDatagrams.Encode(1);
        byte[] payload = valid[MessageFrame.HeaderSize..];
        var garbage = new byte[300];
        new Random(7).NextBytes(garbage);
        var malformed = new (byte[] Datagram, string Reason)[]
        {
            ([1, 2, 3], "too_short"),
            (TestDatagrams.Frame(13, (uint)payload.Length, payload), "unknown_type"),
            (TestDatagrams.Frame(12, 1_000_000, payload), "oversized"),
            (valid[..^1], "length_mismatch"),
            (TestDatagrams.Frame(12, 64, Enumerable.Repeat((byte)0xFF, 64).ToArray()), "invalid_protobuf"),
            (TestDatagrams.Frame(12, (uint)garbage.Length, garbage), "invalid_protobuf"),
            (MessageFrame.Encode(new ProcessInfo { Binpath = "/bin/true", Pid = 1, ParentPid = 1 }), "missing_field"),
        };

        await collector.SendAsync(malformed.Select(m => m.Datagram).Append(TestDatagrams.Encode(99)));

        await Poll.UntilAsync(() => outputs["Mem"].Delivered.Count == 1, "the valid record after the bad ones is delivered");
        Assert.Multiple(() =>
        {
            foreach (var group in malformed.GroupBy(m => m.Reason))
            {
                Assert.That(collector.Metrics.Sum("ogrt.collector.datagrams.malformed", ("reason", group.Key)), Is.EqualTo(group.Count()), group.Key);
            }
            Assert.That(collector.Metrics.Sum("ogrt.collector.datagrams.malformed"), Is.EqualTo(malformed.Length));
            Assert.That(outputs["Mem"].Delivered.Single().Pid, Is.EqualTo(99));
        });
    }
}
