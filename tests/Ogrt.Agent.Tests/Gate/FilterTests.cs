using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>
/// OGRT_FILTER rules on the real executable path, the site rule set, and the built-in
/// exclusion of the OGRT install. Every negative case runs a tracked control program through
/// the same collector afterwards, so "nothing arrived" cannot mean "the agent is broken".
/// </summary>
[TestFixture(CapturePath.Fork)]
[TestFixture(CapturePath.Service)]
public class FilterTests(CapturePath path)
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(2);

    [Test]
    public async Task WithoutFilterSystemProgramsAreTracked()
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync("/usr/bin/true", [], collector);
        var info = await collector.WaitForPidAsync(result.Pid);

        Assert.That(info.Binpath, Is.EqualTo("/usr/bin/true"));
    }

    [Test]
    public async Task ExcludeRuleSkipsMatchingPrograms()
    {
        string skipped = await GatePrograms.CompileAsync("exit_status");
        string tracked = await GatePrograms.CompileAsync("exit_status");
        string rules = $"-{Path.GetDirectoryName(skipped)}/*";

        await AssertOnlyControlIsReportedAsync(skipped, tracked, rules);
    }

    [Test]
    public async Task FirstMatchingRuleWins()
    {
        string tracked = await GatePrograms.CompileAsync("exit_status");
        string skipped = await GatePrograms.CompileAsync("exit_status");
        string rules = $"+{Path.GetDirectoryName(tracked)}/*:-*:+{Path.GetDirectoryName(skipped)}/*";

        await AssertOnlyControlIsReportedAsync(skipped, tracked, rules);
    }

    [Test]
    public async Task MalformedAndEmptyRulesAreIgnored()
    {
        string skipped = await GatePrograms.CompileAsync("exit_status");
        string tracked = await GatePrograms.CompileAsync("exit_status");
        string rules = $"::no-sign/*:-{Path.GetDirectoryName(skipped)}/*:";

        await AssertOnlyControlIsReportedAsync(skipped, tracked, rules);
    }

    [Test]
    public async Task SiteRuleSetSkipsSystemDirectoriesAndTracksTheRest()
    {
        string siteRules = Path.Combine(await AgentBuild.GetDirectoryAsync(), "site-filter.rules");
        string rules = string.Join(':', File.ReadAllLines(siteRules)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#')));
        string tracked = await GatePrograms.CompileAsync("exit_status");

        Assert.That(rules, Does.Contain("-/usr/bin/*"));
        await AssertOnlyControlIsReportedAsync("/usr/bin/true", tracked, rules);
    }

    [Test]
    public async Task OgrtInstallIsNeverTrackedWhateverTheRules()
    {
        // An install tree like /opt/ogrt: lib/ holds the agent, bin/ a tool of the install.
        string prefix = TestScratch.CreateDirectory("install");
        string lib = Directory.CreateDirectory(Path.Combine(prefix, "lib")).FullName;
        string bin = Directory.CreateDirectory(Path.Combine(prefix, "bin")).FullName;
        string agent = await AgentBuild.GetDirectoryAsync();
        foreach (string file in new[] { "libogrt.so", "ogrt-capture.so" })
            File.Copy(Path.Combine(agent, file), Path.Combine(lib, file));
        string tool = Path.Combine(bin, "ogrt-tool");
        File.Copy(await GatePrograms.CompileAsync("exit_status"), tool);
        string tracked = await GatePrograms.CompileAsync("exit_status");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var environment = new Dictionary<string, string?>
        {
            ["LD_PRELOAD"] = Path.Combine(lib, "libogrt.so"),
            ["OGRT_FILTER"] = "+*",
        };

        ProcessResult toolRun = await AgentProcess.RunAsync(tool, [], collector, environment);
        ProcessResult control = await AgentProcess.RunAsync(tracked, [], collector, environment);
        await collector.WaitForPidAsync(control.Pid);
        await collector.AssertNothingMoreAsync(QuietPeriod);

        Assert.Multiple(() =>
        {
            Assert.That(toolRun.ExitCode, Is.Zero, toolRun.ToString());
            Assert.That(collector.Received.Select(info => info.Pid), Is.EqualTo(new[] { control.Pid }));
        });
    }

    [Test]
    public async Task BuildTimeDefaultFilterAppliesWhileOgrtFilterIsUnset()
    {
        string skipped = await GatePrograms.CompileAsync("exit_status");
        string tracked = await GatePrograms.CompileAsync("exit_status");
        string agent = await GateBuiltWithDefaultFilterAsync($"-{Path.GetDirectoryName(skipped)}/*");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var preload = new Dictionary<string, string?> { ["LD_PRELOAD"] = Path.Combine(agent, "libogrt.so") };
        var emptyFilter = new Dictionary<string, string?>(preload) { ["OGRT_FILTER"] = "" };

        ProcessResult byDefault = await AgentProcess.RunAsync(skipped, [], collector, preload);
        ProcessResult control = await AgentProcess.RunAsync(tracked, [], collector, preload);
        await collector.WaitForPidAsync(control.Pid);
        await collector.AssertNothingMoreAsync(QuietPeriod);
        ProcessResult overridden = await AgentProcess.RunAsync(skipped, [], collector, emptyFilter);
        await collector.WaitForPidAsync(overridden.Pid);

        Assert.That(collector.Received.Select(info => info.Pid), Is.EqualTo(new[] { control.Pid, overridden.Pid }),
            $"{byDefault.Pid} is skipped by the built-in rules, which an empty OGRT_FILTER replaces");
    }

    [Test]
    public async Task DebugInfoExplainsTheDecisionAndSilentSuppressesIt()
    {
        string skipped = await GatePrograms.CompileAsync("exit_status");
        string rule = $"-{Path.GetDirectoryName(skipped)}/*";
        var debug = new Dictionary<string, string?> { ["OGRT_FILTER"] = "nosign:" + rule, ["OGRT_DEBUG_INFO"] = "1" };
        var silent = new Dictionary<string, string?>(debug) { ["OGRT_SILENT"] = "1" };

        ProcessResult explained = await AgentProcess.RunAsync(skipped, [], collector: null, debug);
        ProcessResult quiet = await AgentProcess.RunAsync(skipped, [], collector: null, silent);

        Assert.Multiple(() =>
        {
            Assert.That(explained.Stderr, Does.Contain("ogrt: ignoring malformed filter rule at: nosign:"));
            Assert.That(explained.Stderr, Does.Contain($"ogrt: not tracking {skipped}: excluded by filter rule at: {rule}"));
            Assert.That(quiet.Stderr, Is.EqualTo("to stderr\n"));
        });
    }

    /// <summary>
    /// Compiles the gate alone (the OgrtCompileGate target, into a scratch intermediate
    /// directory) with OgrtDefaultFilter set, next to a copy of the published capture library.
    /// </summary>
    private static async Task<string> GateBuiltWithDefaultFilterAsync(string defaultFilter)
    {
        string intermediate = TestScratch.CreateDirectory("gate-obj") + "/";
        ProcessResult build = await ExternalCommand.RunAsync(
            "dotnet",
            ["msbuild", Path.Combine(AgentBuild.RepositoryRoot, "Ogrt.Agent", "Ogrt.Agent.csproj"),
             "-t:OgrtCompileGate", "-nologo", "-p:Configuration=Release",
             $"-p:IntermediateOutputPath={intermediate}", $"-p:OgrtDefaultFilter={defaultFilter}"]);
        if (build.ExitCode != 0)
            throw new InvalidOperationException($"building the gate failed:\n{build}");
        string agent = TestScratch.CreateDirectory("agent-default-filter");
        File.Copy(Path.Combine(intermediate, "gate", "libogrt.so"), Path.Combine(agent, "libogrt.so"));
        File.Copy(Path.Combine(await AgentBuild.GetDirectoryAsync(), "ogrt-capture.so"), Path.Combine(agent, "ogrt-capture.so"));
        return agent;
    }

    /// <summary>Runs <paramref name="skipped"/> then <paramref name="tracked"/> with the rules; only the latter may report.</summary>
    private async Task AssertOnlyControlIsReportedAsync(string skipped, string tracked, string rules)
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var environment = new Dictionary<string, string?> { ["OGRT_FILTER"] = rules };

        ProcessResult skippedRun = await AgentProcess.RunAsync(skipped, [], collector, environment);
        ProcessResult control = await AgentProcess.RunAsync(tracked, [], collector, environment);
        var info = await collector.WaitForPidAsync(control.Pid);
        await collector.AssertNothingMoreAsync(QuietPeriod);

        Assert.Multiple(() =>
        {
            Assert.That(skippedRun.ExitCode, Is.Zero, skippedRun.ToString());
            Assert.That(info.Binpath, Is.EqualTo(tracked));
            Assert.That(collector.Received.Select(record => record.Pid), Is.EqualTo(new[] { control.Pid }));
        });
    }
}
