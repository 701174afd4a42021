using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Ogrt.Deployment.Tests.Systemd;

/// <summary>
/// packaging/install.sh, ogrt-collector.service and the node capture service's
/// ogrt-agent.socket/.service under a real systemd 252 as PID 1, as an admin uses them: install
/// with the systemd branch, send records, restart, stop, crash, break the configuration, track
/// processes through the socket-activated service. The tests share one booted system and run in
/// order; each leaves the collector active.
/// </summary>
[NonParallelizable]
public sealed partial class UnitsUnderSystemdTests
{
    private const string Unit = "ogrt-collector.service";
    private const string AgentSocket = "ogrt-agent.socket";
    private const string AgentService = "ogrt-agent.service";
    /// <summary>A tracked run of /usr/bin/true through the node capture service only.</summary>
    private const string TrackedTrue = "LD_PRELOAD=/opt/ogrt/lib/libogrt.so OGRT_ACTIVE=1 OGRT_CAPTURE=service OGRT_FILTER='+/usr/bin/true:-*' /usr/bin/true";
    private const string TrueRecords = "cat /var/log/ogrt/*.jsonl 2>/dev/null | grep -c '\"binpath\":\"/usr/bin/true\"' || true";
    private const string Records = "cat /var/log/ogrt/*.jsonl 2>/dev/null | wc -l";
    private const string SiteConfiguration = "/etc/ogrt/appsettings.json";

    /// <summary>The ceiling for `systemd-analyze security` (0 = locked down, 10 = fully exposed).</summary>
    private const double ExposureCeiling = 2.0;

    private BootedSystem? _system;
    private ShellResult? _install;
    private TimeSpan _installTime;

    private BootedSystem System => _system ?? throw new InvalidOperationException("not booted");

    [OneTimeSetUp]
    public void BootAndInstall()
    {
        _system = BootedSystem.Boot(Path.Combine(InstalledTree.RepositoryRoot, "artifacts/systemd-root"), new Dictionary<string, string>
        {
            [InstalledTree.RepositoryRoot] = "/src/ogrt",
            [InstalledTree.BuiltTree] = "/src/tree",
        });
        var stopwatch = Stopwatch.StartNew();
        _install = System.Run("/src/ogrt/packaging/install.sh --from /src/tree --prefix /opt/ogrt");
        _installTime = stopwatch.Elapsed;
        TestContext.Progress.WriteLine($"install.sh with systemd: {_installTime.TotalSeconds:F1} s");
    }

    [OneTimeTearDown]
    public void PowerOff() => _system?.Dispose();

    [Test, Order(1)]
    public void Install_CreatesTheAccount_EnablesTheUnit_AndTheCollectorIsActiveWithinSeconds()
    {
        Assert.That(_install!.ExitCode, Is.Zero, $"{_install}\n{Journal()}");
        Assert.Multiple(() =>
        {
            Assert.That(System.Output($"systemctl is-enabled {Unit}"), Is.EqualTo("enabled"));
            Assert.That(System.Output($"systemctl is-active {Unit}"), Is.EqualTo("active"), Journal());
            Assert.That(System.Output("getent passwd ogrt | cut -d: -f7"), Is.EqualTo("/usr/sbin/nologin"));
            // enable --now returns when the Type=notify unit has sent READY=1.
            Assert.That(_installTime, Is.LessThan(TimeSpan.FromSeconds(30)));
        });
    }

    [Test, Order(2)]
    public void A_test_record_is_written_by_the_File_output_as_the_service_account()
    {
        int before = RecordCount();

        System.Output("/opt/ogrt/bin/ogrt send-test --collector 127.0.0.1:7971");

        WaitFor(() => RecordCount() == before + 1, "the record in /var/log/ogrt");
        Assert.That(System.Output("stat -c '%U:%G %a' /var/log/ogrt/*.jsonl | sort -u"), Is.EqualTo("ogrt:ogrt 640"));
    }

    [Test, Order(3)]
    public void The_journal_gets_one_entry_per_message_with_its_priority()
    {
        string entries = System.Output($"journalctl -u {Unit} -o json-pretty --output-fields=MESSAGE,PRIORITY -g 'Listening for agent datagrams'");
        Assert.Multiple(() =>
        {
            Assert.That(entries, Does.Contain("\"PRIORITY\" : \"6\""), "an Information message is not priority 6 (info)");
            Assert.That(System.Output($"journalctl -u {Unit} -o cat | grep -c '^info:' || true"), Is.EqualTo("0"), "console format in the journal");
        });
    }

    [Test, Order(4)]
    public void Restart_and_stop_write_every_record_still_queued_in_memory()
    {
        // Records wait in memory for a batch that is not due: only the shutdown flush writes them.
        System.Output($"mkdir -p /etc/ogrt && echo '{{\"Outputs\":{{\"File\":{{\"BatchInterval\":\"00:10:00\",\"BatchSize\":100000}}}}}}' >{SiteConfiguration}");
        System.Output($"systemctl restart {Unit}");
        int before = RecordCount();

        SendRecords(100);
        System.Output($"systemctl restart {Unit}");
        Assert.That(RecordCount(), Is.EqualTo(before + 100), $"records lost across systemctl restart\n{Journal()}");

        SendRecords(100);
        System.Output($"systemctl stop {Unit}");
        Assert.That(RecordCount(), Is.EqualTo(before + 200), $"records lost across systemctl stop\n{Journal()}");

        System.Output($"rm {SiteConfiguration} && systemctl start {Unit}");
    }

    [Test, Order(5)]
    public void A_crash_is_restarted_by_systemd()
    {
        string before = MainPid();

        System.Output($"kill -KILL {before}");

        // RestartSec=5s.
        WaitFor(() => MainPid() is var pid && pid != "0" && pid != before && System.Output($"systemctl is-active {Unit} || true") == "active",
            "systemd restarting the killed collector", TimeSpan.FromSeconds(30));
        Assert.That(System.Output($"systemctl show -P NRestarts {Unit}"), Is.Not.EqualTo("0"));
    }

    [Test, Order(6)]
    public void A_configuration_error_exits_78_and_is_not_restarted()
    {
        System.Output($"mkdir -p /etc/ogrt && echo '{{\"Outputs\":{{\"File\":{{\"Workers\":0}}}}}}' >{SiteConfiguration}");
        string restartsBefore = ScheduledRestarts();

        var restart = System.Run($"systemctl restart {Unit}");
        // Longer than RestartSec=5s: a restart would have happened by now.
        Thread.Sleep(TimeSpan.FromSeconds(7));

        Assert.Multiple(() =>
        {
            Assert.That(restart.ExitCode, Is.Not.Zero, "systemctl restart reported success with a broken configuration");
            Assert.That(System.Output($"systemctl show -P ExecMainStatus {Unit}"), Is.EqualTo("78"));
            Assert.That(System.Output($"systemctl is-active {Unit} || true"), Is.EqualTo("failed"));
            Assert.That(System.Output($"journalctl -u {Unit} -o cat | grep -c 'Outputs:File:Workers' || true"), Is.Not.EqualTo("0"),
                "the journal does not name the wrong key");
            Assert.That(ScheduledRestarts(), Is.EqualTo(restartsBefore), "systemd restarted it");
        });
        System.Output($"rm {SiteConfiguration} && systemctl reset-failed {Unit} && systemctl start {Unit}");
    }

    [Test, Order(7)]
    public void The_agent_socket_is_listening_and_its_first_message_starts_the_service()
    {
        Assert.Multiple(() =>
        {
            Assert.That(System.Output($"systemctl is-enabled {AgentSocket}"), Is.EqualTo("enabled"));
            Assert.That(System.Output($"systemctl is-active {AgentSocket}"), Is.EqualTo("active"));
            Assert.That(System.Output($"systemctl is-active {AgentService} || true"), Is.EqualTo("inactive"), "started before any message");
        });
        int before = TrackedRecordCount();

        System.Output(TrackedTrue);

        WaitFor(() => TrackedRecordCount() == before + 1, "the record of a process tracked through the service");
        Assert.That(System.Output($"systemctl is-active {AgentService}"), Is.EqualTo("active"));
    }

    [Test, Order(8)]
    public void Messages_sent_while_the_service_is_down_are_delivered_when_it_comes_back()
    {
        int before = TrackedRecordCount();
        System.Output($"systemctl stop {AgentService}");

        // The socket stays with systemd: the gates' messages queue in the kernel meanwhile,
        // and the first of them starts the service again.
        System.Output($"for i in $(seq 50); do {TrackedTrue}; done");

        WaitFor(() => TrackedRecordCount() == before + 50, "50 records sent while the service was stopped");
        Assert.That(System.Output($"cat /run/ogrt-agent/counters"), Does.Contain("malformed 0").And.Contain("send_failed 0"));
    }

    [Test, Order(9)]
    public void Processes_started_close_together_are_read_on_the_timer_inside_the_hardened_unit()
    {
        // systemd raises the socket queue to 512 at boot; the service, which cannot see
        // /proc/sys (ProcSubset=pid), must find that out itself to pace its reads.
        Assert.That(int.Parse(System.Output("cat /proc/sys/net/unix/max_dgram_qlen"), CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(512));
        int before = TrackedRecordCount();

        System.Output($"for i in $(seq 100); do {TrackedTrue}; done");

        WaitFor(() => TrackedRecordCount() == before + 100, "100 records of processes started back to back");
        WaitFor(() => TimedReads() > 0, "the service's counters to show reads on its timer", TimeSpan.FromSeconds(10));
    }

    [Test, Order(10)]
    public void A_crashed_agent_service_is_restarted_and_tracking_goes_on()
    {
        string before = System.Output($"systemctl show -P MainPID {AgentService}");
        int records = TrackedRecordCount();

        System.Output($"systemctl kill --signal=KILL {AgentService}");
        WaitFor(() => System.Output($"systemctl show -P MainPID {AgentService}") is var pid && pid != "0" && pid != before,
            "systemd restarting the killed service", TimeSpan.FromSeconds(30));
        System.Output(TrackedTrue);

        WaitFor(() => TrackedRecordCount() == records + 1, "a record after the restart");
    }

    [TestCase(Unit)]
    [TestCase(AgentService)]
    [Order(11)]
    public void Systemd_analyze_security_rates_the_unit_at_most_the_ceiling(string unit)
    {
        string report = System.Output($"systemd-analyze security --no-pager {unit}");

        var match = ExposureLine().Match(report);
        Assert.That(match.Success, Is.True, report);
        double exposure = double.Parse(match.Groups["level"].Value, CultureInfo.InvariantCulture);
        TestContext.Progress.WriteLine($"systemd-analyze security {unit}: {exposure}");
        Assert.That(exposure, Is.LessThanOrEqualTo(ExposureCeiling), report);
    }

    [Test, Order(12)]
    public void Shared_objects_are_resolved_as_the_process_sees_them_past_the_services_private_tmp_and_hidden_home()
    {
        // libc as a symbolic link to a copy, in /home (ProtectHome=yes hides it from the service)
        // and /tmp (the service has PrivateTmp=yes): the service resolves in the process's root.
        System.Output("for d in /home/alice/lib /tmp/ogrt-libs; do mkdir -p $d && cp /lib/x86_64-linux-gnu/libc.so.6 $d/libc.so.6.real && ln -sf libc.so.6.real $d/libc.so.6; done");
        int before = TrackedRecordCount();

        System.Output($"LD_LIBRARY_PATH=/home/alice/lib {TrackedTrue}; LD_LIBRARY_PATH=/tmp/ogrt-libs {TrackedTrue}; {TrackedTrue}");

        WaitFor(() => TrackedRecordCount() == before + 3, "three records of processes tracked through the service");
        string records = System.Output("cat /var/log/ogrt/*.jsonl | grep '\"binpath\":\"/usr/bin/true\"' | tail -3");
        Assert.Multiple(() =>
        {
            Assert.That(records, Does.Contain("\"/home/alice/lib/libc.so.6.real\""));
            Assert.That(records, Does.Contain("\"/tmp/ogrt-libs/libc.so.6.real\""));
            Assert.That(records, Does.Contain("\"/usr/lib/x86_64-linux-gnu/libc.so.6\""), "merged /usr: /lib is a link to usr/lib");
            Assert.That(records, Does.Not.Contain("linux-vdso"));
        });
    }

    private int RecordCount() => int.Parse(System.Output(Records), CultureInfo.InvariantCulture);

    private int TrackedRecordCount() => int.Parse(System.Output(TrueRecords), CultureInfo.InvariantCulture);

    private long TimedReads() =>
        long.TryParse(System.Output("sed -n 's/^timed_reads //p' /run/ogrt-agent/counters"), CultureInfo.InvariantCulture, out long reads) ? reads : 0;

    private string MainPid() => System.Output($"systemctl show -P MainPID {Unit}");

    private string ScheduledRestarts() => System.Output($"journalctl -u {Unit} -o cat | grep -c 'Scheduled restart job' || true");

    private string Journal() => System.Run($"journalctl -u {Unit} --no-pager -n 60").Output;

    /// <summary>Sends records and gives the collector a moment to read them off its socket.</summary>
    private void SendRecords(int count)
    {
        System.Output($"for i in $(seq {count}); do /opt/ogrt/bin/ogrt send-test --collector 127.0.0.1:7971 >/dev/null || exit 1; done; sleep 1");
    }

    private static void WaitFor(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(15)))
                Assert.Fail($"timed out waiting for {what}");
            Thread.Sleep(200);
        }
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (?<level>[0-9.]+)")]
    private static partial Regex ExposureLine();
}
