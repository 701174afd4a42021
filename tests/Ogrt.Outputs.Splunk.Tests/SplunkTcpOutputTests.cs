using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging;
using Ogrt.Outputs.Abstractions;
using Ogrt.Outputs.TestSupport;

namespace Ogrt.Outputs.Splunk.Tests;

public sealed class SplunkTcpOutputTests
{
    private TemporaryDirectory _directory = null!;
    private string _file = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TemporaryDirectory();
        _file = Path.Combine(_directory.Path, "received.json");
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task RecordsArriveAsCompleteCanonicalJsonLines()
    {
        int port = SocatReceiver.FreePort();
        using var receiver = SocatReceiver.Start(port, _file);
        using var context = new TestOutputContext("Splunk", Settings(port));
        var output = context.CreateOutput(new SplunkOutputFactory());
        await output.StartAsync(CancellationToken.None);

        var records = TestRecords.Range(1, 300);
        for (int start = 0; start < records.Count; start += 100)
            await output.WriteAsync(records.GetRange(start, 100), CancellationToken.None);
        await output.DisposeAsync();

        var received = ReceivedLines.WaitFor(_file, Enumerable.Range(1, 300));
        Assert.Multiple(() =>
        {
            Assert.That(received.Lines, Is.EqualTo(records.Select(record => Encoding.UTF8.GetString(ProcessRecordJson.ToUtf8Bytes(record)))));
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.sent"), Is.EqualTo(300));
            Assert.That(context.Metrics.Count("ogrt.collector.output.request.duration"), Is.EqualTo(3));
            Assert.That(context.Logger.Contains(LogLevel.Warning, "did not confirm"), Is.False, "socat reads everything before closing");
        });
    }

    [Test]
    public async Task AReceiverKilledMidStreamAndRestartedLosesNothing()
    {
        // The receiver hangs (SIGSTOP) just before a batch and is then killed: that batch and
        // whatever it had not read yet were "delivered" into socket buffers and die with it.
        int[] batchSizes = [.. Enumerable.Repeat(50, 59), 200, .. Enumerable.Repeat(50, 60)];
        const int HangsBefore = 59;
        int total = batchSizes.Sum();
        int port = SocatReceiver.FreePort();
        var receiver = SocatReceiver.Start(port, _file);
        using var context = new TestOutputContext("Splunk", Settings(port));
        var output = context.CreateOutput(new SplunkOutputFactory());
        using var beforeHang = new SemaphoreSlim(0);
        using var hung = new SemaphoreSlim(0);
        using var written = new SemaphoreSlim(0);
        using var killed = new SemaphoreSlim(0);

        // The writer behaves as the pipeline does: a batch that throws is retried until it goes through.
        var writer = Task.Run(async () =>
        {
            int nextPid = 1;
            for (int batch = 0; batch < batchSizes.Length; batch++)
            {
                if (batch == HangsBefore)
                {
                    beforeHang.Release();
                    await hung.WaitAsync();
                }
                var records = TestRecords.Range(nextPid, batchSizes[batch]);
                nextPid += records.Count;
                while (true)
                {
                    try
                    {
                        await output.WriteAsync(records, CancellationToken.None);
                        break;
                    }
                    catch (Exception e) when (e is IOException or SocketException or TimeoutException)
                    {
                        await Task.Delay(20);
                    }
                }
                if (batch == HangsBefore)
                {
                    written.Release();
                    await killed.WaitAsync();
                }
            }
        });

        await beforeHang.WaitAsync();
        receiver.Freeze();
        hung.Release();
        await written.WaitAsync();
        receiver.Kill();
        receiver.Dispose();
        killed.Release();
        await PollAsync(() => context.Metrics.Sum("ogrt.collector.output.records.failed", "connect") > 0);
        using (SocatReceiver.Start(port, _file))
        {
            await writer;
            await output.DisposeAsync();
            var received = ReceivedLines.WaitFor(_file, Enumerable.Range(1, total));

            int duplicates = received.Pids.Count - received.Pids.Distinct().Count();
            double replayed = context.Metrics.Sum("ogrt.collector.output.records.replayed");
            double failedWrites = context.Metrics.Sum("ogrt.collector.output.records.failed", "connection");
            Assert.Multiple(() =>
            {
                Assert.That(received.Pids.Distinct().Order(), Is.EqualTo(Enumerable.Range(1, total)), "every record arrived");
                Assert.That(replayed, Is.GreaterThan(0), "the new connection replayed the window");
                Assert.That(duplicates, Is.LessThanOrEqualTo(replayed + failedWrites), "duplicates only within the replay window and retried batches");
                Assert.That(received.Unreadable, Has.Count.LessThanOrEqualTo(1), "at most the line cut by the kill");
            });
        }
    }

    [Test]
    public async Task AHungReceiverTimesTheWriteOutAndTheRetriedBatchArrivesLater()
    {
        int port = SocatReceiver.FreePort();
        var receiver = SocatReceiver.Start(port, _file);
        var settings = Settings(port);
        settings["WriteTimeout"] = "00:00:01";
        using var context = new TestOutputContext("Splunk", settings);
        var output = context.CreateOutput(new SplunkOutputFactory());
        await output.WriteAsync(TestRecords.Range(1, 10), CancellationToken.None);
        receiver.Freeze();

        // ~12 MB: far more than the socket buffers of a receiver that reads nothing.
        var large = TestRecords.Range(11, 10_000);
        Assert.ThrowsAsync<TimeoutException>(() => output.WriteAsync(large, CancellationToken.None));
        Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "timeout"), Is.EqualTo(10_000));

        receiver.Dispose();
        using (SocatReceiver.Start(port, _file))
        {
            await output.WriteAsync(large, CancellationToken.None);
            await output.DisposeAsync();
            var received = ReceivedLines.WaitFor(_file, Enumerable.Range(1, 10_010));
            Assert.That(received.Pids.Distinct().Order(), Is.EqualTo(Enumerable.Range(1, 10_010)));
        }
    }

    [Test]
    public async Task TlsIsVerifiedAgainstTheConfiguredAuthority()
    {
        using var certificates = new TestCertificates(_directory.Path);
        int port = SocatReceiver.FreePort();
        using var receiver = SocatReceiver.Start(port, _file, (certificates.ServerCertificatePemPath, certificates.ServerKeyPemPath));
        var settings = Settings(port, host: "localhost");
        settings["Tls"] = "true";
        settings["CaFile"] = certificates.AuthorityPemPath;
        using var context = new TestOutputContext("Splunk", settings);
        var output = context.CreateOutput(new SplunkOutputFactory());

        await output.WriteAsync(TestRecords.Range(1, 20), CancellationToken.None);
        await output.DisposeAsync();

        Assert.That(ReceivedLines.WaitFor(_file, Enumerable.Range(1, 20)).Pids, Is.EqualTo(Enumerable.Range(1, 20)));
    }

    [Test]
    public async Task AServerCertificateFromAnotherAuthorityIsRefused()
    {
        using var certificates = new TestCertificates(_directory.Path);
        using var otherDirectory = new TemporaryDirectory();
        using var otherAuthority = new TestCertificates(otherDirectory.Path);
        int port = SocatReceiver.FreePort();
        using var receiver = SocatReceiver.Start(port, _file, (certificates.ServerCertificatePemPath, certificates.ServerKeyPemPath));
        var settings = Settings(port, host: "localhost");
        settings["Tls"] = "true";
        settings["CaFile"] = otherAuthority.AuthorityPemPath;
        using var context = new TestOutputContext("Splunk", settings);
        var output = context.CreateOutput(new SplunkOutputFactory());

        Assert.ThrowsAsync<AuthenticationException>(() => output.WriteAsync(TestRecords.Range(1, 1), CancellationToken.None));

        Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "tls"), Is.EqualTo(1));
        await output.DisposeAsync();
    }

    [Test]
    public async Task AnUnreachableReceiverThrowsAndCountsWithoutCrashing()
    {
        using var context = new TestOutputContext("Splunk", Settings(SocatReceiver.FreePort()));
        var output = context.CreateOutput(new SplunkOutputFactory());
        await output.StartAsync(CancellationToken.None);

        Assert.ThrowsAsync<SocketException>(() => output.WriteAsync(TestRecords.Range(1, 5), CancellationToken.None));
        Assert.ThrowsAsync<SocketException>(() => output.WriteAsync(TestRecords.Range(1, 5), CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(context.Metrics.Sum("ogrt.collector.output.records.failed", "connect"), Is.EqualTo(10));
            Assert.That(context.Logger.Contains(LogLevel.Error, "cannot connect"), Is.True);
        });
        await output.DisposeAsync();
    }

    private static Dictionary<string, string?> Settings(int port, string host = "127.0.0.1") => new()
    {
        ["Mode"] = "Tcp",
        ["Host"] = host,
        ["Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task PollAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("condition not reached within 60 s");
            await Task.Delay(20);
        }
    }
}
