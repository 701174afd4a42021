namespace Ogrt.Deployment.Tests;

/// <summary>The installed `ogrt doctor` in shells set up well and badly.</summary>
public sealed class DoctorTests
{
    private ModuleSystem modules = null!;

    private static string Ogrt => BashScript.Quote(Path.Combine(InstalledTree.Prefix, "bin/ogrt"));

    [OneTimeSetUp]
    public void FindModuleSystem() => modules = ModuleSystem.Find(ModuleSystem.EnvironmentModules);

    [Test]
    public void HealthySetup_EveryCheckPasses_AndTheCollectorCountsTheTestRecord()
    {
        using var collector = new CollectorProcess(InstalledTree.Prefix);

        var result = WithModuleLoaded($"export OGRT_COLLECTOR=127.0.0.1:{collector.Port}\n{Ogrt} doctor --metrics {collector.MetricsUrl}");

        Assert.That(result.ExitCode, Is.Zero, $"{result}\n--- collector ---\n{collector.Log()}");
        Assert.Multiple(() =>
        {
            Assert.That(result.Output, Does.Not.Contain("FAIL"));
            Assert.That(result.Output, Does.Contain($"ok    LD_PRELOAD: {InstalledTree.Prefix}/lib/libogrt.so"));
            Assert.That(result.Output, Does.Contain("ok    OGRT_ACTIVE: 1"));
            Assert.That(result.Output, Does.Contain($"ok    PATH: the first ld is the wrapper ({InstalledTree.Prefix}/libexec/ogrt/ld)"));
            Assert.That(result.Output, Does.Contain("ok    COMPILER_PATH: gcc links with the wrapper"));
            Assert.That(result.Output, Does.Match($@"ok    collector: 127\.0\.0\.1:{collector.Port} received the test record \(ogrt_collector_datagrams_received_total \d+ -> \d+"));
        });
    }

    [Test]
    public void Glibc_EachInstalledPieceAgainstWhatItNeeds()
    {
        string glibc = BashScript.Run("getconf GNU_LIBC_VERSION").Output.Trim().Split(' ')[^1];
        string[] recorded = File.ReadAllLines(Path.Combine(InstalledTree.Prefix, "lib/glibc-requirement"));
        // A copy of ogrt in a prefix whose record has one piece that needs a future glibc.
        string prefix = InstalledTree.NewDirectory("glibc-prefix");
        Directory.CreateDirectory(Path.Combine(prefix, "bin"));
        Directory.CreateDirectory(Path.Combine(prefix, "lib"));
        File.Copy(Path.Combine(InstalledTree.Prefix, "bin/ogrt"), Path.Combine(prefix, "bin/ogrt"));
        File.WriteAllLines(Path.Combine(prefix, "lib/glibc-requirement"), [.. recorded, "sbin/ogrt-agent-service 99.0"]);

        var result = BashScript.Run($"{BashScript.Quote(Path.Combine(prefix, "bin/ogrt"))} doctor --collector {InstalledTree.Listener.CollectorAddress}");

        Assert.Multiple(() =>
        {
            Assert.That(recorded, Has.Length.EqualTo(4), "libogrt.so, ogrt-capture.so, ogrt, ogrt-agent-service");
            foreach (string line in recorded)
            {
                string[] fields = line.Split(' ');
                Assert.That(result.Output, Does.Contain($"ok    glibc: {glibc} runs {fields[0]} (needs {fields[1]} or newer)"), result.ToString());
            }
            Assert.That(result.Output, Does.Contain($"FAIL  glibc: {glibc} is too old for sbin/ogrt-agent-service: it needs 99.0 or newer"));
        });
    }

    [Test]
    public void MissingCollector_IsReportedWithTheFix()
    {
        // A collector started and stopped again leaves its ports free: nothing listens there now.
        string address, metrics;
        using (var stopped = new CollectorProcess(InstalledTree.Prefix))
        {
            address = $"127.0.0.1:{stopped.Port}";
            metrics = stopped.MetricsUrl;
        }

        var result = WithModuleLoaded($"export OGRT_COLLECTOR={address}\n{Ogrt} doctor --metrics {metrics}");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Output, Does.Contain($"FAIL  collector: nothing receives on UDP {address}"));
            Assert.That(result.Output, Does.Contain("fix: start the collector (systemctl start ogrt-collector)"));
            Assert.That(result.Output, Does.Contain("ogrt doctor: 1 problem(s) found"));
        });
    }

    [Test]
    public void CollectorWithoutMetrics_IsAWarningNotAProblem()
    {
        // The listener receives like a collector but serves no metrics: delivery cannot be
        // confirmed, and nothing says it failed either.
        string metrics;
        using (var stopped = new CollectorProcess(InstalledTree.Prefix))
            metrics = stopped.MetricsUrl;

        var result = WithModuleLoaded($"export OGRT_COLLECTOR={InstalledTree.Listener.CollectorAddress}\n{Ogrt} doctor --metrics {metrics}");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Output, Does.Contain($"warn  collector: test record sent to {InstalledTree.Listener.CollectorAddress}, delivery unconfirmed: no metrics at {metrics}"));
            Assert.That(result.Output, Does.Contain("ogrt doctor: no problems found"));
        });
    }

    [Test]
    public void ShellWithoutTheModule_EachMissingPieceIsReportedWithTheModuleAsFix()
    {
        var result = BashScript.Run($"{Ogrt} doctor --collector {InstalledTree.Listener.CollectorAddress}");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Output, Does.Contain("FAIL  LD_PRELOAD: not set"));
            Assert.That(result.Output, Does.Contain("FAIL  OGRT_ACTIVE: not set"));
            Assert.That(result.Output, Does.Contain("FAIL  PATH: the first ld is /usr/bin/ld, not the wrapper"));
            Assert.That(result.Output, Does.Contain("FAIL  COMPILER_PATH: gcc links with /usr/bin/ld"));
            Assert.That(result.Output, Does.Contain("fix: module load ogrt"));
        });
    }

    [Test]
    public void FilterRules_MalformedRuleIsReported_AndExecutablesAreEvaluated()
    {
        var result = WithModuleLoaded(
            $"export OGRT_FILTER='-/usr/bin/*:oops:+/opt/*'\n{Ogrt} doctor --collector {InstalledTree.Listener.CollectorAddress} --executable /usr/bin/env --executable /opt/app/bin/solver");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Output, Does.Contain("FAIL  OGRT_FILTER: the agent ignores the malformed rule(s) 'oops'"));
            Assert.That(result.Output, Does.Contain("warn  OGRT_FILTER: /usr/bin/env is NOT tracked (rule '-/usr/bin/*')"));
            Assert.That(result.Output, Does.Contain("ok    OGRT_FILTER: /opt/app/bin/solver is tracked (rule '+/opt/*')"));
        });
    }

    [Test]
    public void UnreadableCaptureLibrary_IsReported()
    {
        string lib = InstalledTree.NewDirectory("lib");
        File.Copy(Path.Combine(InstalledTree.Prefix, "lib/libogrt.so"), Path.Combine(lib, "libogrt.so"));

        var result = BashScript.Run($"LD_PRELOAD={lib}/libogrt.so OGRT_ACTIVE=1 {Ogrt} doctor --collector {InstalledTree.Listener.CollectorAddress}");

        Assert.That(result.Output, Does.Contain($"FAIL  LD_PRELOAD: the capture library {lib}/ogrt-capture.so cannot be read"), result.ToString());
    }

    private ShellResult WithModuleLoaded(string commands) =>
        BashScript.Run($"{modules.Setup}\nmodule use {BashScript.Quote(InstalledTree.Modulefiles)}\nmodule load ogrt || exit 10\n{commands}");
}
