using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>
/// Processes the gate must not track because the capture process would hurt them or run with
/// their privileges: child subreapers and PID 1 (the orphaned capture process would come back
/// to them as a child), seccomp-filtered processes (clone might be fatal) unless the operator
/// opts in, and a gate loaded late with dlopen (the capture process would inherit the loader
/// lock held). Secure-execution processes are not tested: glibc already refuses LD_PRELOAD
/// paths there, so the gate's own AT_SECURE check cannot be reached from a test.
/// These are fork-path rules (the service path starts no process): each runs with OGRT_CAPTURE=fork,
/// and the same program tracked directly afterwards is the positive control.
/// </summary>
public class UnsafeProcessTests
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(2);

    [TestCase("subreaper")]
    [TestCase("seccomp")]
    public async Task IsNotTrackedAndRunsNormally(string state)
    {
        string launcher = await GatePrograms.CompileAsync("launcher");
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Fork);
        var environment = new Dictionary<string, string?> { ["OGRT_FILTER"] = $"-{launcher}" };

        ProcessResult launched = await AgentProcess.RunAsync(launcher, [state, program, "4"], collector, environment);
        ProcessResult control = await AgentProcess.RunAsync(program, [], collector, environment);
        await collector.WaitForPidAsync(control.Pid);
        await collector.AssertNothingMoreAsync(QuietPeriod);

        Assert.Multiple(() =>
        {
            Assert.That(launched.ExitCode, Is.EqualTo(4), launched.ToString());
            Assert.That(launched.Stdout, Is.EqualTo("to stdout\n"));
            Assert.That(collector.Received.Select(info => info.Pid), Is.EqualTo(new[] { control.Pid }));
        });
    }

    [Test]
    public async Task SeccompProcessIsTrackedWhenTheOperatorOptsIn()
    {
        string launcher = await GatePrograms.CompileAsync("launcher");
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Fork);
        var environment = new Dictionary<string, string?> { ["OGRT_FILTER"] = $"-{launcher}", ["OGRT_TRACK_SECCOMP"] = "1" };

        ProcessResult launched = await AgentProcess.RunAsync(launcher, ["seccomp", program, "4"], collector, environment);
        var info = await collector.WaitForPidAsync(launched.Pid);

        Assert.Multiple(() =>
        {
            Assert.That(launched.ExitCode, Is.EqualTo(4), launched.ToString());
            Assert.That(info.Binpath, Is.EqualTo(program));
        });
    }

    [Test]
    public async Task GateLoadedWithDlopenDoesNotTrack()
    {
        string program = await GatePrograms.CompileAsync("late_dlopen");
        string gate = await AgentBuild.GetGateLibraryAsync();
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Fork);
        var dlopenOnly = new Dictionary<string, string?> { ["LD_PRELOAD"] = null, ["OGRT_DEBUG_INFO"] = "1" };

        ProcessResult late = await AgentProcess.RunAsync(program, [gate], collector, dlopenOnly);
        ProcessResult control = await AgentProcess.RunAsync(program, [gate], collector);
        await collector.WaitForPidAsync(control.Pid);
        await collector.AssertNothingMoreAsync(QuietPeriod);

        Assert.Multiple(() =>
        {
            Assert.That(late.ExitCode, Is.Zero, late.ToString());
            Assert.That(late.Stdout, Is.EqualTo("loaded\n"));
            Assert.That(late.Stderr, Does.Contain($"ogrt: not tracking {program}: libogrt.so was loaded with dlopen()"));
            Assert.That(collector.Received.Select(info => info.Pid), Is.EqualTo(new[] { control.Pid }));
        });
    }

    [Test]
    public async Task PidOneOfANamespaceIsNotTracked()
    {
        string[] unshare = ["--user", "--map-root-user", "--pid", "--fork", "--"];
        ProcessResult withoutAgent = await ExternalCommand.RunAsync("unshare", [.. unshare, "/usr/bin/true"]);
        if (withoutAgent.ExitCode != 0)
            Assert.Ignore($"this sandbox forbids user/PID namespaces even without the agent: {withoutAgent.Stderr.Trim()}");
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(CapturePath.Fork);
        var environment = new Dictionary<string, string?> { ["OGRT_FILTER"] = $"+{program}:-*", ["OGRT_DEBUG_INFO"] = "1" };

        ProcessResult asPidOne = await AgentProcess.RunAsync("unshare", [.. unshare, program, "6"], collector, environment);
        ProcessResult control = await AgentProcess.RunAsync(program, [], collector, environment);
        await collector.WaitForPidAsync(control.Pid);
        await collector.AssertNothingMoreAsync(QuietPeriod);

        Assert.Multiple(() =>
        {
            Assert.That(asPidOne.ExitCode, Is.EqualTo(6), asPidOne.ToString());
            Assert.That(asPidOne.Stderr, Does.Contain($"ogrt: not tracking {program}: process is PID 1 of its namespace"));
            Assert.That(collector.Received.Select(info => info.Pid), Is.EqualTo(new[] { control.Pid }));
        });
    }
}
