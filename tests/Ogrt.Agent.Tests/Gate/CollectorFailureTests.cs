using System.Net;
using System.Net.Sockets;
using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>Whatever happens to the datagram, the tracked program runs exactly as without the agent.</summary>
public class CollectorFailureTests
{
    [Test]
    public async Task NoCollectorListening()
    {
        int closedPort;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        await AssertProgramUnaffectedAsync($"127.0.0.1:{closedPort}");
    }

    [Test]
    public async Task UnresolvableCollectorName()
    {
        await AssertProgramUnaffectedAsync("collector.invalid:7971");
    }

    private static async Task AssertProgramUnaffectedAsync(string collectorAddress)
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        var environment = new Dictionary<string, string?> { ["OGRT_COLLECTOR"] = collectorAddress };

        ProcessResult result = await AgentProcess.RunAsync("bash", ["-c", $"x=$({program} 9); echo \"[$x] $?\""], collector: null, environment);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(result.Stdout, Is.EqualTo("[to stdout] 9\n"));
            Assert.That(result.Stderr, Is.EqualTo("to stderr\n"));
        });
    }
}
