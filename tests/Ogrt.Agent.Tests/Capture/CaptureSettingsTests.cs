using System.Text;
using Ogrt.Agent.Capture;
using Ogrt.Agent.Settings;

namespace Ogrt.Agent.Tests.Capture;

public unsafe class CaptureSettingsTests
{
    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    [Test]
    public void UnsetVariablesGiveTheBuildDefaults()
    {
        using var envp = new NativeStringArray(["HOME=/root", "OGRT_COLLECTOR=", "OGRT_SEND_CMDLINE=maybe"]);
        var settings = CaptureSettings.Read(new EnvironmentBlock(envp.Pointer));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(settings.Collector), Is.EqualTo(Text(BuildDefaults.Collector)).And.EqualTo("localhost:7971"));
            Assert.That(Text(settings.JobIdVariables), Is.EqualTo("SLURM_JOB_ID,PBS_JOBID,LSB_JOBID,JOB_ID,FLUX_JOB_ID,JOBID"));
            Assert.That(Text(settings.JobIdDefault), Is.EqualTo("UNKNOWN"));
            Assert.That(Text(settings.EnvironmentCapture), Is.EqualTo("none"));
            Assert.That(settings.SendUsername && settings.SendHostname && settings.SendCmdline && settings.SendModules, Is.True);
            Assert.That(settings.Silent, Is.False);
        }
    }

    [Test]
    public void VariablesOverrideTheDefaults()
    {
        using var envp = new NativeStringArray(
        [
            "OGRT_COLLECTOR=[::1]:9999", "OGRT_JOBID_VARS=MY_JOB,OTHER", "OGRT_ENV_CAPTURE=",
            "OGRT_SEND_USERNAME=0", "OGRT_SEND_HOSTNAME=false", "OGRT_SEND_CMDLINE=no", "OGRT_SEND_MODULES=off",
            "OGRT_SILENT=1",
        ]);
        var settings = CaptureSettings.Read(new EnvironmentBlock(envp.Pointer));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(settings.Collector), Is.EqualTo("[::1]:9999"));
            Assert.That(Text(settings.JobIdVariables), Is.EqualTo("MY_JOB,OTHER"));
            Assert.That(Text(settings.EnvironmentCapture), Is.Empty, "set but empty means capture nothing");
            Assert.That(settings.SendUsername || settings.SendHostname || settings.SendCmdline || settings.SendModules, Is.False);
            Assert.That(settings.Silent, Is.True);
        }
    }

    [Test]
    public void JobIdComesFromTheFirstSetNonEmptyVariable()
    {
        using var envp = new NativeStringArray(["SLURM_JOB_ID=", "LSB_JOBID=777", "PBS_JOBID=123.pbs", "JOB_ID=1"]);
        var environment = new EnvironmentBlock(envp.Pointer);
        var settings = CaptureSettings.Read(environment);
        Assert.That(Text(settings.FindJobId(environment)), Is.EqualTo("123.pbs"));
    }

    [Test]
    public void EnvironmentLookupMatchesWholeNamesOnlyAndTakesTheFirstEntry()
    {
        using var envp = new NativeStringArray(["USERNAME=x", "USER", "USER=alice", "USER=bob", "=weird"]);
        var environment = new EnvironmentBlock(envp.Pointer);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(environment.GetValue("USER"u8)), Is.EqualTo("alice"));
            Assert.That(environment.TryGetValue("USERN"u8, out _), Is.False);
            Assert.That(environment.TryGetValue(""u8, out _), Is.False);
            Assert.That(new EnvironmentBlock(null).TryGetValue("USER"u8, out _), Is.False);
        }
    }

    [Test]
    public void SelectKeepsMatchingEntriesInOrder()
    {
        using var envp = new NativeStringArray(["PATH=/bin", "API_TOKEN=secret", "SLURM_JOB_ID=5", "NOEQUALS", "SLURM_NODES=2"]);
        var selected = new NativeTextList(4);
        new EnvironmentBlock(envp.Pointer).Select(new EnvironmentCaptureFilter("all,!*TOKEN*"u8), selected);
        var names = Enumerable.Range(0, selected.Count).Select(i => Text(selected[i])).ToList();
        Assert.That(names, Is.EqualTo(new[] { "PATH=/bin", "SLURM_JOB_ID=5", "NOEQUALS", "SLURM_NODES=2" }));
    }

    [Test]
    public void SeparatedModulesSkipEmptyEntries()
    {
        // The list keeps pointers, so the text must not move (LOADEDMODULES lives in native memory).
        byte[] modules = GC.AllocateArray<byte>(20, pinned: true);
        "gcc/12::openmpi/4.1:"u8.CopyTo(modules);
        var list = NativeTextList.FromSeparated(modules, (byte)':');
        var names = Enumerable.Range(0, list.Count).Select(i => Text(list[i])).ToList();
        Assert.That(names, Is.EqualTo(new[] { "gcc/12", "openmpi/4.1" }));
    }

    [TestCase("1", false, true)]
    [TestCase("yes", false, true)]
    [TestCase(" on ", false, true)]
    [TestCase("0", true, false)]
    [TestCase("off", true, false)]
    [TestCase("", true, true)]
    [TestCase("2", false, false)]
    [TestCase("TRUE", false, false)]
    public void FlagsParse(string text, bool fallback, bool expected) =>
        Assert.That(CaptureSettings.ParseFlag(Encoding.UTF8.GetBytes(text), fallback), Is.EqualTo(expected));
}
