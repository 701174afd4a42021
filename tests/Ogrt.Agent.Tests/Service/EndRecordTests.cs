using System.Globalization;
using Ogrt.Agent.Tests.Infrastructure;
using Ogrt.Protocol;

namespace Ogrt.Agent.Tests.Service;

/// <summary>
/// End-of-run records: real processes under LD_PRELOAD tracked through a real
/// ogrt-agent-service, whose taskstats listener hears the real kernel's exit reports; the test
/// collector decodes what arrives with the generated ProcessEnd type. Needs root (CAP_NET_ADMIN
/// for taskstats; clone3 with a chosen pid for the pid-reuse test).
/// </summary>
[NonParallelizable]
public class EndRecordTests
{
    private const long MiB = 1 << 20;
    private static readonly Lazy<Task<string>> Program = new(() => CompileAsync("end_of_run"));

    [TestCase(new[] { "exit", "0" }, 0, 0)]
    [TestCase(new[] { "exit", "3" }, 3, 0)]
    [TestCase(new[] { "kill" }, 0, 9)]
    [TestCase(new[] { "segv" }, 0, 11)]
    [TestCase(new[] { "thread-exit" }, 7, 0)]
    public async Task How_the_run_ended_is_reported_with_the_key_of_its_start(string[] arguments, int exitCode, int signal)
    {
        using var collector = await ServiceCollectorAsync();

        var (start, end) = await RunTrackedAsync(collector, arguments);

        AssertSameRun(start, end);
        Assert.Multiple(() =>
        {
            if (signal == 0)
            {
                Assert.That(end.HasExitCode && end.ExitCode == exitCode, Is.True, $"exit code {end.ExitCode}");
                Assert.That(end.HasSignal, Is.False);
            }
            else
            {
                Assert.That(end.Signal, Is.EqualTo(signal));
                Assert.That(end.HasExitCode, Is.False);
                Assert.That(end.CoreDumped, Is.False, "RLIMIT_CORE is 0 (segv) or SIGKILL dumps none");
            }
            Assert.That(end.WallTimeUs, Is.GreaterThan(0));
            Assert.That(end.EndTimeUs, Is.GreaterThanOrEqualTo(start.TimeUs));
        });
    }

    [Test]
    public async Task The_CPU_of_every_thread_is_summed()
    {
        using var collector = await ServiceCollectorAsync();

        // Four threads burn 100 ms of their own CPU each; the main thread burns none.
        var (start, end) = await RunTrackedAsync(collector, ["threads", "4", "100"]);

        AssertSameRun(start, end);
        Assert.That(end.UserCpuUs + end.SystemCpuUs, Is.GreaterThanOrEqualTo(4 * 90_000), $"more than any one thread used: {end}");
        Assert.That(end.ExitCode, Is.Zero);
    }

    [Test]
    public async Task A_50_ms_busy_loop_shows_at_least_40_ms_of_CPU()
    {
        using var collector = await ServiceCollectorAsync();

        var (_, end) = await RunTrackedAsync(collector, ["busy", "50"]);

        Assert.That(end.UserCpuUs + end.SystemCpuUs, Is.GreaterThanOrEqualTo(40_000), end.ToString());
    }

    [Test]
    public async Task Touching_200_MiB_shows_a_max_RSS_of_at_least_200_MiB()
    {
        using var collector = await ServiceCollectorAsync();

        var (_, end) = await RunTrackedAsync(collector, ["alloc", "200"]);

        Assert.That(end.MaxRssKib, Is.GreaterThanOrEqualTo(200 * 1024));
    }

    [Test]
    public async Task Writing_10_MiB_to_a_file_shows_10_MiB_written()
    {
        // write_bytes counts what the process makes the page cache write to storage. tmpfs has
        // no storage behind it (nothing is ever counted there), so the file goes to a disk
        // file system; fsync makes the writes reach it before the process exits.
        string directory = TestScratch.CreateDirectory("written");
        ProcessResult fileSystem = await ExternalCommand.RunAsync("stat", ["-f", "-c", "%T", directory]);
        if (fileSystem.Stdout.Trim() is "tmpfs" or "ramfs")
            Assert.Inconclusive($"{directory} is on {fileSystem.Stdout.Trim()}: no storage writes to count");
        using var collector = await ServiceCollectorAsync();

        var (_, end) = await RunTrackedAsync(collector, ["write", Path.Combine(directory, "ten-mib"), "10"]);

        Assert.That(end.WriteBytes, Is.GreaterThanOrEqualTo(10 * MiB));
    }

    [Test]
    public async Task An_exec_chain_has_one_start_per_image_and_its_end_belongs_to_the_last()
    {
        string program = await Program.Value;
        string directory = TestScratch.CreateDirectory("chain");
        string[] images = ["first", "second", "third"];
        foreach (string image in images)
            File.Copy(program, Path.Combine(directory, image));
        using var collector = await ServiceCollectorAsync();
        string[] paths = [.. images.Select(image => Path.Combine(directory, image))];

        var result = await AgentProcess.RunAsync(paths[0], ["exec", paths[1], paths[2], "5"], collector);

        Assert.That(result.ExitCode, Is.EqualTo(5), result.ToString());
        var starts = await collector.WaitUntilAsync(all => all.Count(info => info.Pid == result.Pid) == 3, "a start per image");
        var end = await collector.WaitForEndAsync(result.Pid);
        var last = starts.Where(info => info.Pid == result.Pid).MaxBy(info => info.TimeUs)!;
        Assert.That(starts.Where(info => info.Pid == result.Pid).Select(info => info.Binpath), Is.EquivalentTo(paths));
        Assert.That(last.Binpath, Is.EqualTo(paths[2]));
        AssertSameRun(last, end);
        Assert.That(end.ExitCode, Is.EqualTo(5));
        await AssertOneEndAsync(collector, result.Pid);
    }

    [Test]
    public async Task A_pid_reused_after_a_missed_exit_gets_no_end_of_the_earlier_start()
    {
        string program = await Program.Value;
        using var collector = new ProcessInfoListener();
        // A small exit buffer, so that a stopped service loses exits (as under a real overrun).
        var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress, "--exit-buffer", "65536");
        collector.Attach(service, service.AgentVariables);

        // Run A is tracked and held open.
        using var earlier = HeldProcess.Start(program, ["wait"], await AgentProcess.EnvironmentForAsync(collector));
        await collector.WaitForPidAsync(earlier.Pid);
        // The kernel gives creation times in whole seconds; a real reuse needs the pid space to
        // wrap first, which takes longer than this.
        await Task.Delay(TimeSpan.FromSeconds(4));

        // A's exit is lost: the service is stopped and its exit buffer full.
        ProcessSignal.Send(service.Pid, "STOP");
        try
        {
            await ExternalCommand.RunAsync("/bin/sh", ["-c", "i=0; while [ $i -lt 1500 ]; do /bin/true; i=$((i+1)); done"]);
            Assert.That(await earlier.ReleaseAsync(), Is.Zero);
            // B, untracked, takes A's pid while the service still has A's start.
            using var reuser = HeldProcess.Start(program, ["at-pid", earlier.Pid.ToString(CultureInfo.InvariantCulture), program, "wait"]);
            Assert.That(await reuser.FirstLineAsync(), Is.EqualTo($"pid {earlier.Pid}"), "B did not get A's pid");
            ProcessSignal.Send(service.Pid, "CONT");
            await WaitForCounterAsync(service, "exit_overruns", 1);

            Assert.That(await reuser.ReleaseAsync(), Is.Zero);
        }
        finally
        {
            ProcessSignal.Send(service.Pid, "CONT");
        }

        // A tracked run after B's exit: once its end is here, B's exit was matched too.
        var (_, marker) = await RunTrackedAsync(collector, ["exit", "0"]);
        Assert.That(collector.Ends.Where(end => end.Pid == earlier.Pid), Is.Empty, "B's end was reported as A's");
        Assert.That(marker.ExitCode, Is.Zero);
        await WaitForCounterAsync(service, "starts_without_end", 1);
    }

    [Test]
    public async Task A_forged_exit_report_from_a_local_process_is_dropped_and_counted()
    {
        string forger = await CompileAsync("forge_exit");
        using var collector = new ProcessInfoListener();
        var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress);
        collector.Attach(service, service.AgentVariables);
        using var victim = HeldProcess.Start(await Program.Value, ["wait"], await AgentProcess.EnvironmentForAsync(collector));
        var start = await collector.WaitForPidAsync(victim.Pid);

        // "The victim was killed by SIGKILL", sent to each of the service's netlink sockets.
        var ports = NetlinkPorts(service.Pid);
        Assert.That(ports, Is.Not.Empty, "the service has no netlink socket");
        foreach (uint port in ports)
        {
            var forged = await ExternalCommand.RunAsync(forger, [port.ToString(CultureInfo.InvariantCulture), victim.Pid.ToString(CultureInfo.InvariantCulture)]);
            Assert.That(forged.ExitCode, Is.Zero, forged.ToString());
        }
        await WaitForCounterAsync(service, "exits_not_from_kernel", 1);

        Assert.That(await victim.ReleaseAsync(), Is.Zero);
        var end = await collector.WaitForEndAsync(victim.Pid);
        AssertSameRun(start, end);
        Assert.That((end.HasSignal, end.ExitCode), Is.EqualTo((false, 0)), end.ToString());
        await AssertOneEndAsync(collector, victim.Pid);
    }

    [Test]
    public async Task Without_CAP_NET_ADMIN_it_says_so_once_and_goes_on_with_start_records()
    {
        using var collector = new ProcessInfoListener();
        var service = await CaptureServiceProcess.StartUnderAsync(["setpriv", "--bounding-set", "-net_admin", "--"], collector.CollectorAddress);
        collector.Attach(service, service.AgentVariables);

        var result = await AgentProcess.RunAsync(await Program.Value, ["exit", "0"], collector);

        await collector.WaitForPidAsync(result.Pid);
        Assert.That(service.Stop(), Is.Zero, service.Log);
        Assert.Multiple(() =>
        {
            Assert.That(service.ReadCounters()["end_records"], Is.EqualTo(-1));
            Assert.That(CountOccurrences(service.Log, "no end records"), Is.EqualTo(1), service.Log);
            Assert.That(service.Log, Does.Contain("CAP_NET_ADMIN"));
            Assert.That(collector.Ends, Is.Empty);
        });
    }

    [Test]
    public async Task The_site_switch_turns_end_records_off()
    {
        using var collector = new ProcessInfoListener();
        var service = await CaptureServiceProcess.StartAsync(collector.CollectorAddress, "--end-records", "off");
        collector.Attach(service, service.AgentVariables);

        var result = await AgentProcess.RunAsync(await Program.Value, ["exit", "0"], collector);

        await collector.WaitForPidAsync(result.Pid);
        Assert.That(service.Stop(), Is.Zero, service.Log);
        Assert.Multiple(() =>
        {
            Assert.That(service.ReadCounters()["end_records"], Is.Zero);
            Assert.That(service.Log, Does.Contain("end records are off"));
            Assert.That(collector.Ends, Is.Empty);
        });
    }

    private static async Task<string> CompileAsync(string name) =>
        await CCompiler.CompileProgramAsync(
            await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Service", "Programs", name + ".c")), name, "-pthread");

    private static async Task<ProcessInfoListener> ServiceCollectorAsync() =>
        await CaptureServiceProcess.StartListenerAsync(CapturePath.Service);

    /// <summary>Runs end_of_run.c tracked through the service; returns its start and end records.</summary>
    private static async Task<(ProcessInfo Start, ProcessEnd End)> RunTrackedAsync(ProcessInfoListener collector, string[] arguments)
    {
        var result = await AgentProcess.RunAsync(await Program.Value, arguments, collector);
        var start = await collector.WaitForPidAsync(result.Pid);
        var end = await collector.WaitForEndAsync(result.Pid);
        return (start, end);
    }

    private static void AssertSameRun(ProcessInfo start, ProcessEnd end) => Assert.Multiple(() =>
    {
        Assert.That(end.Pid, Is.EqualTo(start.Pid));
        Assert.That(end.StartTimeUs, Is.EqualTo(start.TimeUs));
        Assert.That(end.Binpath, Is.EqualTo(start.Binpath));
        Assert.That(end.Hostname, Is.EqualTo(Environment.MachineName));
        Assert.That(end.Username, Is.EqualTo(start.Username));
        Assert.That(end.Uid, Is.EqualTo(start.Uid));
        Assert.That(end.JobId, Is.EqualTo(start.JobId));
    });

    /// <summary>No second end for <paramref name="pid"/>: checked after a later tracked run's end arrived.</summary>
    private static async Task AssertOneEndAsync(ProcessInfoListener collector, int pid)
    {
        await RunTrackedAsync(collector, ["exit", "0"]);
        Assert.That(collector.Ends.Count(end => end.Pid == pid), Is.EqualTo(1));
    }

    private static async Task WaitForCounterAsync(CaptureServiceProcess service, string name, long atLeast)
    {
        var deadline = DateTime.UtcNow + ProcessInfoListener.DefaultTimeout;
        while (service.ReadCounters().GetValueOrDefault(name) < atLeast)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"counter {name} never reached {atLeast}: {string.Join(", ", service.ReadCounters())}\n{service.Log}");
            // Exits are matched in batches, and batches start with an exit: make one.
            await ExternalCommand.RunAsync("/bin/true", []);
            await Task.Delay(200);
        }
    }

    /// <summary>The netlink port ids of the generic-netlink sockets process <paramref name="pid"/> holds (/proc/net/netlink by inode).</summary>
    private static List<uint> NetlinkPorts(int pid)
    {
        var inodes = new DirectoryInfo($"/proc/{pid}/fd").GetFiles()
            .Select(descriptor => descriptor.LinkTarget ?? "")
            .Where(target => target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => target["socket:[".Length..^1])
            .ToHashSet();
        const string NetlinkGeneric = "16";
        return [.. File.ReadAllLines("/proc/net/netlink").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns.Length >= 10 && columns[1] == NetlinkGeneric && inodes.Contains(columns[9]))
            .Select(columns => uint.Parse(columns[2], CultureInfo.InvariantCulture))];
    }

    private static int CountOccurrences(string text, string part) =>
        (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
