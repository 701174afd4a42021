using System.Net.Sockets;
using System.Text;
using Ogrt.Collector.Tests.Support;

namespace Ogrt.Collector.Tests;

/// <summary>
/// Readiness and log format under systemd, decided from NOTIFY_SOCKET and JOURNAL_STREAM. The
/// test runner's parent is not systemd, as the collector's is not visible under the unit's
/// ProtectProc=invisible: before the fix it never sent READY=1 and systemd killed it.
/// </summary>
public class SystemdNotificationTests
{
    [Test]
    public async Task With_NOTIFY_SOCKET_set_it_sends_READY_once_listening_and_STOPPING_on_SIGTERM_and_logs_for_the_journal()
    {
        using var directory = new TempDirectory();
        string notifySocketPath = directory.Combine("notify");
        using var notifySocket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notifySocket.Bind(new UnixDomainSocketEndPoint(notifySocketPath));
        string configFile = directory.Combine("appsettings.json");
        await File.WriteAllTextAsync(configFile, $$"""
            {
              "Collector": { "Address": "127.0.0.1", "Port": 0, "StateDirectory": "{{directory.Combine("state")}}",
                             "PluginsDirectory": "{{Path.Combine(AppContext.BaseDirectory, "plugins")}}" },
              "Outputs": { "File": { "Path": "{{directory.Combine("records")}}" } }
            }
            """);
        var environment = new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = notifySocketPath,
            // Any value: systemd sets it to the journal stream's device:inode.
            ["JOURNAL_STREAM"] = "8:12345",
        };

        using var collector = CollectorProcess.Start(environment, "--config", configFile);

        Assert.That(await ReceiveAsync(notifySocket), Does.Contain("READY=1"));
        await collector.WaitUntilListeningAsync();
        var terminated = collector.TerminateAsync();
        Assert.That(await ReceiveAsync(notifySocket), Does.Contain("STOPPING=1"));
        Assert.That(await terminated, Is.Zero);
        // The journal's format: one line per message with a syslog priority prefix.
        Assert.That(collector.StandardOutput, Does.Contain("<6>Ogrt.Collector.Receiving.UdpReceiver"));
        Assert.That(collector.StandardOutput, Does.Not.Contain("info: "));
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Poll.DefaultTimeout);
        int length = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
