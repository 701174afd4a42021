using System.Diagnostics;
using System.Net.Sockets;
using Ogrt.Agent.Tests.Gate;
using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Service;

/// <summary>
/// ogrt-agent-service as its own process: activation by a real socket activator, hostile
/// input, the per-uid limit, and what its counters report.
/// </summary>
public class CaptureServiceTests
{
    [Test]
    public async Task Socket_activation_starts_it_on_the_first_message_and_that_message_becomes_a_record()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        string service = await AgentBuild.GetServiceExecutableAsync();
        using var collector = new ProcessInfoListener();
        string socketPath = Path.Combine(TestScratch.CreateDirectory("activation"), "agent.sock");
        var activator = Process.Start(new ProcessStartInfo("systemd-socket-activate",
            ["--datagram", "--listen", socketPath, service, "--collector", collector.CollectorAddress])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            await WaitForAsync(() => File.Exists(socketPath), "the activator's socket");
            Assert.That(File.ReadAllText($"/proc/{activator.Id}/comm").Trim(), Is.EqualTo("systemd-socket-"), "started before any message");

            ProcessResult result = await AgentProcess.RunAsync(program, [], collector, new Dictionary<string, string?>
            {
                ["OGRT_CAPTURE"] = "service",
                ["OGRT_AGENT_SOCKET"] = socketPath,
            });

            var info = await collector.WaitForPidAsync(result.Pid);
            Assert.That(info.Binpath, Is.EqualTo(program));
            Assert.That(File.ReadAllText($"/proc/{activator.Id}/comm").Trim(), Is.EqualTo("ogrt-agent-serv"), "the activator execs the service");
        }
        finally
        {
            activator.Kill();
            await activator.WaitForExitAsync();
            activator.Dispose();
        }
    }

    [Test]
    public async Task Hostile_messages_are_counted_and_it_goes_on_serving()
    {
        using var collector = new ProcessInfoListener();
        using var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress);
        var random = new Random(20261130);
        byte[] valid = GateMessage.Typical();
        var hostile = new List<byte[]>
        {
            Array.Empty<byte>(),
            new byte[31],                                          // shorter than the header
            valid[..^1],                                           // last string not terminated
            valid.Append((byte)0).ToArray(),                       // one string more than counted
            GateMessage.Build("/x", ["arg"], [], [])[..^4],        // one string fewer than counted
            new byte[200 * 1024],                                  // longer than any gate message
        };
        byte[] hugeCounts = (byte[])valid.Clone();
        BitConverter.TryWriteBytes(hugeCounts.AsSpan(20), uint.MaxValue);
        hostile.Add(hugeCounts);
        for (int i = 0; i < 3000; i++)
        {
            byte[] mutated = (byte[])valid.Clone();
            for (int flips = random.Next(1, 8); flips > 0; flips--)
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            hostile.Add(random.Next(4) == 0 ? mutated[..random.Next(mutated.Length)] : mutated);
            byte[] noise = new byte[random.Next(0, 2048)];
            random.NextBytes(noise);
            hostile.Add(noise);
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendBufferSize = 1 << 20 };
        var endpoint = new UnixDomainSocketEndPoint(service.SocketPath);
        int accepted = 0;
        foreach (byte[] message in hostile)
            accepted += await SendPacedAsync(socket, endpoint, message) ? 1 : 0;
        Assert.That(await SendPacedAsync(socket, endpoint, GateMessage.Typical("/apps/bin/after-the-storm")), Is.True);

        await collector.WaitUntilAsync(all => all.Any(info => info.Binpath == "/apps/bin/after-the-storm"), "the valid message after the hostile ones");
        Assert.That(service.Stop(), Is.Zero, service.Log);
        var counters = service.ReadCounters();
        Assert.Multiple(() =>
        {
            Assert.That(counters["received"], Is.EqualTo(accepted + 1));
            Assert.That(counters["received"], Is.EqualTo(counters["malformed"] + counters["sent"] + counters["rate_limited"] + counters["fallbacks"]));
            Assert.That(counters["malformed"], Is.GreaterThan(hostile.Count / 2));
            Assert.That(service.Log, Does.Contain("malformed message from pid"));
        });
    }

    [Test]
    public async Task A_uid_over_its_rate_is_dropped_and_counted()
    {
        using var collector = new ProcessInfoListener();
        using var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress, "--rate", "1", "--burst", "5");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var endpoint = new UnixDomainSocketEndPoint(service.SocketPath);

        for (int i = 0; i < 20; i++)
            Assert.That(await SendPacedAsync(socket, endpoint, GateMessage.Typical($"/apps/bin/run-{i}")), Is.True);

        await collector.WaitForCountAsync(5);
        Assert.That(service.Stop(), Is.Zero, service.Log);
        var counters = service.ReadCounters();
        Assert.Multiple(() =>
        {
            Assert.That(counters["sent"], Is.InRange(5, 7), "the burst, and what the rate refilled meanwhile");
            Assert.That(counters["rate_limited"], Is.EqualTo(20 - counters["sent"]));
        });
    }

    [Test]
    public async Task Descriptors_passed_with_messages_are_closed_whether_the_message_is_valid_or_not()
    {
        string sender = await GatePrograms.CompileAsync("pass_descriptors");
        using var collector = new ProcessInfoListener();
        using var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress);
        string directory = TestScratch.CreateDirectory("descriptors");
        string valid = Path.Combine(directory, "valid"), junk = Path.Combine(directory, "junk");
        await File.WriteAllBytesAsync(valid, GateMessage.Typical("/apps/bin/with-root"));
        await File.WriteAllBytesAsync(junk, new byte[100]);
        int before = OpenDescriptors(service.Pid);

        // A gate passes one descriptor; a hostile sender may pass more, or junk with them.
        foreach (var (message, descriptors) in new[] { (valid, 1), (valid, 5), (junk, 1), (junk, 16) })
            Assert.That((await ExternalCommand.RunAsync(sender, [service.SocketPath, message, "100", descriptors.ToString(System.Globalization.CultureInfo.InvariantCulture)])).ExitCode, Is.Zero);

        await collector.WaitForCountAsync(200);
        int after = OpenDescriptors(service.Pid);
        Assert.That(service.Stop(), Is.Zero, service.Log);
        var counters = service.ReadCounters();
        Assert.Multiple(() =>
        {
            // 2,300 descriptors came in: a leak would show in hundreds.
            Assert.That(after, Is.LessThanOrEqualTo(before + 2), "descriptors left open in the service");
            Assert.That(counters["sent"], Is.EqualTo(200));
            Assert.That(counters["malformed"], Is.EqualTo(200));
        });
    }

    [TestCase(512, true)]
    [TestCase(10, false)]
    public async Task Messages_coming_close_together_are_read_on_a_timer_when_the_socket_queue_allows_it_and_none_is_lost(int queueLength, bool paced)
    {
        // The queue limit is the node's sysctl, read when the socket and the service start.
        const string Sysctl = "/proc/sys/net/unix/max_dgram_qlen";
        string original = File.ReadAllText(Sysctl).Trim();
        File.WriteAllText(Sysctl, queueLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using var collector = new ProcessInfoListener();
            using var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress);
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            var endpoint = new UnixDomainSocketEndPoint(service.SocketPath);

            // 300 processes starting 1-3 ms apart, then a pause long enough to end the pacing, then a burst.
            for (int i = 0; i < 300; i++)
            {
                Assert.That(await SendPacedAsync(socket, endpoint, GateMessage.Typical($"/apps/bin/step-{i}")), Is.True);
                await Task.Delay(1);
            }
            await Task.Delay(200);
            for (int i = 0; i < 100; i++)
                Assert.That(await SendPacedAsync(socket, endpoint, GateMessage.Typical($"/apps/bin/burst-{i}")), Is.True);

            await collector.WaitForCountAsync(400);
            Assert.That(service.Stop(), Is.Zero, service.Log);
            var counters = service.ReadCounters();
            Assert.Multiple(() =>
            {
                Assert.That(counters["received"], Is.EqualTo(400));
                Assert.That(counters["sent"], Is.EqualTo(400));
                if (paced)
                    Assert.That(counters["timed_reads"], Is.GreaterThan(0), "read on the timer while messages kept coming");
                else
                    Assert.That(counters["timed_reads"], Is.Zero, "a 10-message queue is always waited on");
            });
        }
        finally
        {
            File.WriteAllText(Sysctl, original);
        }
    }

    private static int OpenDescriptors(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>Sends one datagram, waiting while the service's queue is full (net.unix.max_dgram_qlen).</summary>
    private static async Task<bool> SendPacedAsync(Socket socket, UnixDomainSocketEndPoint endpoint, byte[] message)
    {
        for (int attempt = 0; attempt < 500; attempt++)
        {
            try
            {
                socket.SendTo(message, endpoint);
                return true;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.NoBufferSpaceAvailable)
            {
                await Task.Delay(2);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                return false;
            }
        }
        return false;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
