using System.Net.Sockets;
using Ogrt.Cli.Doctor;
using Ogrt.Cli.Tests.Infrastructure;

namespace Ogrt.Cli.Tests;

/// <summary>
/// `ogrt doctor`'s capture-service check reading the end-record state from the service's
/// counters file (the lines ogrt-agent-service writes), next to a real bound socket.
/// </summary>
public class CaptureServiceCheckTests
{
    [TestCase(1, 0, "Ok", "3 sent")]
    [TestCase(1, 2, "Warn", "exit reports lost 2 time(s)")]
    [TestCase(0, 0, "Ok", "off by the site")]
    [TestCase(-1, 0, "Warn", "lacks CAP_NET_ADMIN")]
    [TestCase(-2, 0, "Warn", "taskstats cannot be used")]
    public void The_end_record_state_is_reported(int state, int overruns, string status, string finding)
    {
        using var directory = new TemporaryDirectory();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(directory.File("agent.sock")));
        File.WriteAllText(directory.File("counters"),
            $"received 3\nsent 3\nmalformed 0\nrate_limited 0\nsend_failed 0\ntruncated 0\nfallbacks 0\nend_records {state}\n"
            + $"exits_read 40\nexit_overruns {overruns}\nends_sent 3\nends_send_failed 0\nstarts_without_end 0\nruns_tracked 1\n");

        var results = CaptureServiceCheck.Run(new InstallLayout(directory.Path), directory.File("agent.sock"), directory.File("counters")).ToList();

        var endRecords = results.Single(result => result.Subject == "end records");
        Assert.That(endRecords.Status.ToString(), Is.EqualTo(status));
        Assert.That(endRecords.Finding, Does.Contain(finding));
    }

    [Test]
    public void A_service_without_end_record_counters_gets_no_end_record_line()
    {
        using var directory = new TemporaryDirectory();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(directory.File("agent.sock")));
        File.WriteAllText(directory.File("counters"), "received 3\nsent 3\nsend_failed 0\n");

        var results = CaptureServiceCheck.Run(new InstallLayout(directory.Path), directory.File("agent.sock"), directory.File("counters")).ToList();

        Assert.That(results.Select(result => result.Subject), Has.None.EqualTo("end records"));
    }
}
