using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>OGRT_ACTIVE: exactly 1, yes or true turn tracking on, as upstream OGRT reads it.</summary>
[TestFixture(CapturePath.Fork)]
[TestFixture(CapturePath.Service)]
public class ActivationTests(CapturePath path)
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(2);

    [TestCase(null)]
    [TestCase("0")]
    [TestCase("")]
    [TestCase("no")]
    [TestCase("YES")]
    [TestCase("11")]
    public async Task SendsNothingUnlessActiveIsOneYesOrTrue(string? active)
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var environment = new Dictionary<string, string?> { ["OGRT_ACTIVE"] = active };

        ProcessResult inactive = await AgentProcess.RunAsync(program, ["3"], collector, environment);
        // Positive control: the same program and collector, active, is reported.
        ProcessResult active1 = await AgentProcess.RunAsync(program, ["0"], collector);
        await collector.WaitForPidAsync(active1.Pid);
        await collector.AssertNothingMoreAsync(QuietPeriod);

        Assert.Multiple(() =>
        {
            Assert.That(inactive.ExitCode, Is.EqualTo(3), inactive.ToString());
            Assert.That(collector.Received.Select(info => info.Pid), Is.EqualTo(new[] { active1.Pid }));
        });
    }

    [TestCase("yes")]
    [TestCase("true")]
    public async Task YesAndTrueSwitchTrackingOnAsUpstream(string active)
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(program, [], collector, new Dictionary<string, string?> { ["OGRT_ACTIVE"] = active });

        Assert.That((await collector.WaitForPidAsync(result.Pid)).Binpath, Is.EqualTo(program));
    }

    [Test]
    public async Task ActiveProcessIsReportedWithItsRealPath()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(program, [], collector);
        var info = await collector.WaitForPidAsync(result.Pid);

        Assert.Multiple(() =>
        {
            Assert.That(info.Binpath, Is.EqualTo(program));
            Assert.That(info.ParentPid, Is.Not.EqualTo(0));
        });
    }
}
