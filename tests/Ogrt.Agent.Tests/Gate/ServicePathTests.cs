using System.Globalization;
using System.Net.Sockets;
using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>
/// The node capture service path, against what the per-process fork broke for real users
/// ("Text file busy", ulimit -u, zombies under a non-reaping PID 1, capture processes piling
/// up, gdb noise), and the identity the kernel vouches for (SCM_CREDENTIALS) that a process
/// cannot forge.
/// </summary>
[NonParallelizable]
public class ServicePathTests
{
    private const uint Nobody = 65534;

    [Test]
    public async Task A_rebuilt_program_can_be_copied_over_at_once_after_every_tracked_run()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        string rebuilt = program + ".new";
        File.Copy(program, rebuilt);
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Service);

        var pids = new List<int>();
        for (int run = 0; run < 30; run++)
        {
            ProcessResult result = await AgentProcess.RunAsync(program, [], collector);
            pids.Add(result.Pid);
            // `cp new-build ./prog`: opens the executable for writing, ETXTBSY while anything maps it.
            File.Copy(rebuilt, program, overwrite: true);
        }

        var records = await collector.WaitForCountAsync(pids.Count);
        Assert.That(records.Select(info => info.Pid), Is.EquivalentTo(pids));
    }

    [Test]
    public async Task The_service_path_starts_no_process_and_gdb_prints_nothing_of_it()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Service);
        string trace = Path.Combine(TestScratch.CreateDirectory("strace"), "trace");

        ProcessResult traced = await AgentProcess.RunAsync("strace",
            ["-f", "-e", "trace=clone,clone3,fork,vfork", "-o", trace, program, "5"], collector, Only(program));
        ProcessResult debugged = await AgentProcess.RunAsync("gdb", ["-batch", "-ex", "run", "--args", program, "0"], collector, Only(program));

        await collector.WaitForCountAsync(2);
        Assert.Multiple(() =>
        {
            Assert.That(traced.ExitCode, Is.EqualTo(5), traced.ToString());
            Assert.That(File.ReadAllText(trace), Does.Not.Contain("clone").And.Not.Contain("fork"));
            Assert.That(debugged.Stdout + debugged.Stderr, Does.Not.Contain("Detaching after"));
        });
    }

    [Test]
    public async Task A_non_reaping_PID_1_gets_no_zombie_and_every_run_is_tracked()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Service);
        // sh as PID 1 of a new PID namespace: it waits for its own children only.
        string script = $"for i in 1 2 3 4 5 6 7 8 9 10; do {program} >/dev/null 2>&1; done; sleep 0.5; ps -eo stat= | grep -c '^Z' || true";

        ProcessResult result = await AgentProcess.RunAsync("unshare", ["--pid", "--fork", "--mount-proc", "sh", "-c", script], collector, Only(program));

        var records = await collector.WaitForCountAsync(10);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Stdout.Trim(), Is.EqualTo("0"), "zombies in the namespace");
            // The kernel translates the sender's pid into the service's namespace: no pid 1..10 here.
            Assert.That(records.Select(info => info.Pid), Has.All.GreaterThan(10));
        });
    }

    [Test]
    public async Task Under_a_small_ulimit_u_the_programs_own_forks_succeed()
    {
        string program = await GatePrograms.CompileAsync("forker");
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Service);
        OpenScratchToOtherUsers();
        // bash + forker + its child: 3 processes of nobody at a time, under a limit of 8.
        string script = $"ulimit -u 8; for i in 1 2 3 4 5 6 7 8 9 10; do {program} >/dev/null || exit 1; done";

        ProcessResult result = await AgentProcess.RunAsync("setpriv",
            ["--reuid", $"{Nobody}", "--regid", $"{Nobody}", "--clear-groups", "--", "bash", "-c", script], collector, Only(program));

        var records = await collector.WaitForCountAsync(10);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(records.Select(info => info.Uid), Has.All.EqualTo(Nobody));
        });
    }

    [Test]
    public async Task Uid_username_and_hostname_come_from_the_kernel_and_the_node_not_from_the_process()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Service);
        OpenScratchToOtherUsers();
        var forged = new Dictionary<string, string?>(Only(program)) { ["USER"] = "root", ["LOGNAME"] = "root" };

        // nobody claiming to be root, then root inside a user namespace of its own, and a UTS
        // namespace with a made-up hostname.
        ProcessResult asNobody = await AgentProcess.RunAsync("setpriv",
            ["--reuid", $"{Nobody}", "--regid", $"{Nobody}", "--clear-groups", "--", program], collector, forged);
        ProcessResult inUserNamespace = await AgentProcess.RunAsync("setpriv",
            ["--reuid", $"{Nobody}", "--regid", $"{Nobody}", "--clear-groups", "--", "unshare", "--user", "--map-root-user", "sh", "-c", $"id -u; {program} >/dev/null"],
            collector, forged);
        ProcessResult renamedHost = await AgentProcess.RunAsync("unshare",
            ["--uts", "sh", "-c", $"hostname forged-host && {program}"], collector, Only(program));

        var records = await collector.WaitForCountAsync(3);
        Assert.Multiple(() =>
        {
            Assert.That(asNobody.ExitCode, Is.Zero, asNobody.ToString());
            Assert.That(inUserNamespace.Stdout.Trim(), Is.EqualTo("0"), $"the process should believe it is root: {inUserNamespace}");
            Assert.That(renamedHost.ExitCode, Is.Zero, renamedHost.ToString());
            Assert.That(records.Take(2).Select(info => (info.Uid, info.Username)), Has.All.EqualTo((Nobody, "nobody")));
            Assert.That(records.Select(info => info.Hostname), Has.All.EqualTo(Environment.MachineName));
        });
    }

    [Test]
    public async Task An_unresolvable_collector_costs_no_process_and_is_counted()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var service = await CaptureServiceProcess.StartAsync("collector.invalid:7971");
        var environment = new Dictionary<string, string?>(Only(program))
        {
            ["OGRT_CAPTURE"] = "service",
            ["OGRT_AGENT_SOCKET"] = service.SocketPath,
        };

        for (int run = 0; run < 50; run++)
        {
            ProcessResult result = await AgentProcess.RunAsync(program, [], collector: null, environment);
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
        }
        Assert.That(service.Stop(), Is.Zero, service.Log);

        var counters = service.ReadCounters();
        Assert.Multiple(() =>
        {
            Assert.That(counters["received"], Is.EqualTo(50));
            Assert.That(counters["send_failed"], Is.EqualTo(50));
            Assert.That(service.Log, Does.Contain("not resolved yet"));
        });
    }

    [Test]
    public async Task Without_a_service_or_with_its_queue_full_auto_falls_back_to_the_fork_path()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = new ProcessInfoListener();
        string directory = TestScratch.CreateDirectory("no-service");
        string missing = Path.Combine(directory, "missing.sock");
        string full = Path.Combine(directory, "full.sock");
        // A socket nobody reads: after net.unix.max_dgram_qlen messages the gate gets EAGAIN.
        using var unread = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        unread.Bind(new UnixDomainSocketEndPoint(full));
        int queueLength = int.Parse(File.ReadAllText("/proc/sys/net/unix/max_dgram_qlen").Trim(), CultureInfo.InvariantCulture);
        using (var filler = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
        {
            filler.Blocking = false;
            try
            {
                for (int i = 0; i <= queueLength + 1; i++)
                    filler.SendTo([0], new UnixDomainSocketEndPoint(full));
                Assert.Fail($"the unread socket took more than net.unix.max_dgram_qlen ({queueLength}) messages");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
            }
        }

        var pids = new List<int>();
        foreach (string socket in new[] { missing, full })
        {
            var environment = new Dictionary<string, string?>(Only(program)) { ["OGRT_AGENT_SOCKET"] = socket, ["OGRT_DEBUG_INFO"] = "1" };
            ProcessResult result = await AgentProcess.RunAsync(program, [], collector, environment);
            pids.Add(result.Pid);
            Assert.That(result.Stderr, Does.Contain($"ogrt: node capture service at {socket}: "), result.ToString());
        }
        var records = await collector.WaitForCountAsync(2);
        Assert.That(records.Select(info => info.Pid), Is.EquivalentTo(pids));
    }

    [Test]
    public async Task A_process_refused_by_a_full_queue_is_captured_by_the_fork_path_and_the_service_counts_it()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = new ProcessInfoListener();
        using var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress);
        int junk = 0;
        using (var stopped = new ProcessPause(service.Pid))
        {
            using (var filler = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false })
            {
                try
                {
                    for (; junk < 10_000; junk++)
                        filler.SendTo([1, 2, 3], new UnixDomainSocketEndPoint(service.SocketPath));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                }
            }
            var environment = new Dictionary<string, string?>(Only(program)) { ["OGRT_AGENT_SOCKET"] = service.SocketPath };

            ProcessResult result = await AgentProcess.RunAsync(program, [], collector, environment);

            var info = await collector.WaitForPidAsync(result.Pid);
            Assert.That(info.Binpath, Is.EqualTo(program));
        }
        // Resumed: the service drains the junk, then the capture process's notice comes in.
        await collector.AssertNothingMoreAsync(TimeSpan.FromSeconds(1.5));
        Assert.That(service.Stop(), Is.Zero, service.Log);
        var counters = service.ReadCounters();
        Assert.Multiple(() =>
        {
            Assert.That(counters["fallbacks"], Is.EqualTo(1));
            Assert.That(counters["malformed"], Is.EqualTo(junk));
            Assert.That(counters["sent"], Is.Zero);
        });
    }

    [Test]
    public async Task Under_a_small_ulimit_n_with_the_service_stopped_every_run_is_still_sent()
    {
        // Each message carries the process's root directory; queued descriptors count against
        // the sender's RLIMIT_NOFILE, so past the limit the kernel refuses them (ETOOMANYREFS)
        // and the gate must send the message without one. Root would be exempt: run as nobody.
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = new ProcessInfoListener();
        using var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress);
        OpenScratchToOtherUsers();
        const int Runs = 9; // under the socket's queue of 10 (net.unix.max_dgram_qlen here)
        string script = $"ulimit -n 6; for i in $(seq {Runs}); do {program} || exit 1; done";
        var environment = new Dictionary<string, string?>(Only(program))
        {
            ["OGRT_AGENT_SOCKET"] = service.SocketPath,
            ["OGRT_CAPTURE"] = "service",
        };

        ProcessResult result;
        using (new ProcessPause(service.Pid))
            result = await AgentProcess.RunAsync("setpriv",
                ["--reuid", $"{Nobody}", "--regid", $"{Nobody}", "--clear-groups", "--", "bash", "-c", script], collector, environment);

        var records = await collector.WaitForCountAsync(Runs);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(records.Select(info => info.Binpath), Has.All.EqualTo(program));
        });
    }

    [Test]
    public async Task A_PID_1_and_a_subreaper_are_tracked_on_the_service_path()
    {
        string launcher = await GatePrograms.CompileAsync("launcher");
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Service);

        ProcessResult subreaper = await AgentProcess.RunAsync(launcher, ["subreaper", program, "4"], collector, Only(program));
        ProcessResult pidOne = await AgentProcess.RunAsync("unshare", ["--pid", "--fork", "--", program, "6"], collector, Only(program));

        var records = await collector.WaitForCountAsync(2);
        Assert.Multiple(() =>
        {
            Assert.That(subreaper.ExitCode, Is.EqualTo(4), subreaper.ToString());
            Assert.That(pidOne.ExitCode, Is.EqualTo(6), pidOne.ToString());
            Assert.That(records.Select(info => info.Binpath), Has.All.EqualTo(program));
        });
    }

    /// <summary>Track only <paramref name="program"/>, not the shells and tools around it.</summary>
    private static Dictionary<string, string?> Only(string program) => new() { ["OGRT_FILTER"] = $"+{program}:-*" };

    /// <summary>Lets an unprivileged user reach the test programs and the service's socket.</summary>
    private static void OpenScratchToOtherUsers()
    {
        const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(TestScratch.RootPath, Traversable);
        foreach (string directory in Directory.GetDirectories(TestScratch.RootPath))
            File.SetUnixFileMode(directory, Traversable);
    }
}
