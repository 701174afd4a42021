using Google.Protobuf;
using System.Net;
using System.Net.Sockets;
using Ogrt.Cli.Tests.Infrastructure;
using Ogrt.Protocol;

namespace Ogrt.Cli.Tests;

public class SendTestCommandTests
{
    [Test]
    public void SendsOneFramedProcessInfoDescribingItself()
    {
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;

        var result = OgrtCli.Run(["send-test", "--collector", $"127.0.0.1:{port}"], new Dictionary<string, string?>
        {
            ["SLURM_JOB_ID"] = "4711",
            ["LOADEDMODULES"] = "gcc/12:openmpi/4.1",
        });

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var received = receiver.ReceiveAsync();
        Assert.That(received.Wait(TimeSpan.FromMinutes(1)), "no datagram arrived");
        byte[] datagram = received.Result.Buffer;
        Assert.That(MessageFrame.TryReadHeader(datagram, out uint type, out uint length), Is.True);
        Assert.That(type, Is.EqualTo((uint)MessageType.ProcessInfoMsg));
        Assert.That(length, Is.EqualTo(datagram.Length - MessageFrame.HeaderSize));

        var info = ProcessInfo.Parser.ParseFrom(datagram, MessageFrame.HeaderSize, (int)length);
        Assert.Multiple(() =>
        {
            Assert.That(info.IsInitialized(), "all required proto2 fields are set");
            Assert.That(result.Stdout, Does.StartWith($"sent ProcessInfo ({datagram.Length} bytes"));
            Assert.That(result.Stdout, Does.Contain($"  pid:        {info.Pid} (parent {info.ParentPid})"));
            Assert.That(info.ParentPid, Is.EqualTo(Environment.ProcessId), "the test started it");
            Assert.That(info.Arguments, Does.Contain("send-test"));
            Assert.That(info.JobId, Is.EqualTo("4711"));
            Assert.That(info.LoadedModules.Select(m => m.Name), Is.EqualTo(new[] { "gcc/12", "openmpi/4.1" }));
            Assert.That(info.Hostname, Is.EqualTo(Environment.MachineName));
            Assert.That(info.Time, Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(600));
            Assert.That(info.EnvironmentVariables, Is.Empty, "the operator's environment is not shipped");
        });
    }

    [Test]
    public void CollectorDefaultsToTheAgentsSetting()
    {
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.Client.LocalEndPoint!).Port;

        var result = OgrtCli.Run(["send-test"], new Dictionary<string, string?> { ["OGRT_COLLECTOR"] = $"127.0.0.1:{port}" });

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Contain($"to 127.0.0.1:{port} "));
        var received = receiver.ReceiveAsync();
        Assert.That(received.Wait(TimeSpan.FromMinutes(1)), "no datagram arrived");
    }

    [TestCase("localhost:0")]
    [TestCase("localhost:70000")]
    [TestCase(":7971")]
    [TestCase("[::1")]
    public void InvalidCollectorAddressIsAUsageError(string address)
    {
        var result = OgrtCli.Run("send-test", "--collector", address);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("ogrt: "));
    }

    [Test]
    public void UnresolvableHostFailsWithTheReason()
    {
        var result = OgrtCli.Run("send-test", "--collector", "no-such-host.invalid:7971");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("ogrt send-test: cannot send to no-such-host.invalid:7971: "));
    }
}
