using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>
/// The tracked process must reach main exactly as it would without the agent: one thread, no
/// child or zombie, no SIGCHLD, no signal handler or mask change, the same descriptors,
/// environment, errno and umask; and it must exit with the same status and output.
/// </summary>
[TestFixture(CapturePath.Fork)]
[TestFixture(CapturePath.Service)]
public class ProcessStateTests(CapturePath path)
{
    private static readonly Dictionary<string, string?> WithoutAgent = new() { ["LD_PRELOAD"] = null, ["OGRT_ACTIVE"] = null };

    [TestCase("")]
    [TestCase("--block-sigchld")]
    public async Task StateAtMainIsTheSameAsWithoutTheAgent(string mode)
    {
        string probe = await GatePrograms.CompileAsync("state_probe");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        string[] arguments = mode.Length == 0 ? [] : [mode];

        ProcessResult bare = await AgentProcess.RunAsync(probe, arguments, collector, WithoutAgent);
        ProcessResult inactive = await AgentProcess.RunAsync(probe, arguments, collector, new Dictionary<string, string?> { ["OGRT_ACTIVE"] = "0" });
        ProcessResult tracked = await AgentProcess.RunAsync(probe, arguments, collector);
        // --block-sigchld re-executes in the same process: both images are tracked.
        await collector.WaitUntilAsync(all => all.Count(info => info.Pid == tracked.Pid) == (mode.Length == 0 ? 1 : 2), "the probe's datagram(s)");

        Assert.Multiple(() =>
        {
            Assert.That(bare.ExitCode, Is.Zero, bare.ToString());
            Assert.That(tracked.Stdout, Does.Contain("Threads:\t1\n"), "one thread at main");
            Assert.That(bare.Stdout, Does.Contain("= -1, errno No child processes"));
            Assert.That(Lines(tracked), Is.EqualTo(Lines(bare)), "tracked vs without agent");
            Assert.That(Lines(inactive), Is.EqualTo(Lines(bare)), "loaded but inactive vs without agent");
            Assert.That(tracked.Stderr, Is.Empty);
            if (mode.Length > 0)
                Assert.That(bare.Stdout, Does.Contain("control: SIGCHLD pending after a child exited: yes"), "the probe can see a pending SIGCHLD");
        });
    }

    /// <summary>The probe's lines in a fixed order (the runner does not keep the environment's order).</summary>
    private static string[] Lines(ProcessResult result) =>
        [.. result.Stdout.Split('\n').Order(StringComparer.Ordinal)];

    [TestCase("0")]
    [TestCase("42")]
    public async Task ExitStatusAndOutputAreUnchanged(string status)
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(program, [status], collector);
        await collector.WaitForPidAsync(result.Pid);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(result.Stdout, Is.EqualTo("to stdout\n"));
            Assert.That(result.Stderr, Is.EqualTo("to stderr\n"), "OGRT_DEBUG_INFO unset: the agent prints nothing");
        });
    }

    [Test]
    public async Task UserNamespaceCanBeCreatedUnderTheAgent()
    {
        ProcessResult withoutAgent = await ExternalCommand.RunAsync("unshare", ["-U", "true"]);
        if (withoutAgent.ExitCode != 0)
            Assert.Ignore($"this sandbox forbids user namespaces even without the agent: {withoutAgent.Stderr.Trim()}");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync("unshare", ["-U", "true"], collector);
        // unshare execs true in the same process, inside the new namespace: both are tracked.
        await collector.WaitUntilAsync(
            all => all.Any(info => info.Pid == result.Pid && info.Binpath.EndsWith("/unshare", StringComparison.Ordinal))
                && all.Any(info => info.Pid == result.Pid && info.Binpath.EndsWith("/true", StringComparison.Ordinal)),
            "the records of unshare and of true");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
    }

    [Test]
    public async Task ProgramThatClearsItsEnvironmentRuns()
    {
        string program = await GatePrograms.CompileAsync("clearenv");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(program, [], collector);
        await collector.WaitForPidAsync(result.Pid);

        Assert.That(result.Stdout, Is.EqualTo("ONLY=this\n"), result.ToString());
    }

    [Test]
    public async Task MultiThreadedProgramRuns()
    {
        string program = await GatePrograms.CompileAsync("threads", "-pthread");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(program, [], collector);
        await collector.WaitForPidAsync(result.Pid);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Stdout, Is.EqualTo("total 800000\n"));
        });
    }

    [Test]
    public async Task ForkWithoutExecIsOneProcessAndOneRecord()
    {
        string program = await GatePrograms.CompileAsync("forker");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(program, [], collector);
        await collector.WaitForPidAsync(result.Pid);
        await collector.AssertNothingMoreAsync(TimeSpan.FromSeconds(2));

        Assert.Multiple(() =>
        {
            Assert.That(result.Stdout, Is.EqualTo("child 1\nchild 2\nchild 3\nsum 6\n"), result.ToString());
            Assert.That(collector.Received, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task FourThousandEnvironmentVariables()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var environment = Enumerable.Range(0, 4000).ToDictionary(i => $"TEST_VARIABLE_{i}", i => (string?)new string('v', i % 64));

        ProcessResult result = await AgentProcess.RunAsync(program, ["7"], collector, environment);
        var info = await collector.WaitForPidAsync(result.Pid);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(7), result.ToString());
            Assert.That(result.Stdout, Is.EqualTo("to stdout\n"));
            Assert.That(info.Binpath, Is.EqualTo(program));
        });
    }
}
