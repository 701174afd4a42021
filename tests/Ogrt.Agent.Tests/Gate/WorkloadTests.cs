using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>Everyday process trees under the agent: every exec'd process is reported once.</summary>
[TestFixture(CapturePath.Fork)]
[TestFixture(CapturePath.Service)]
public class WorkloadTests(CapturePath path)
{
    [Test]
    public async Task BashPipelineReportsEveryProcess()
    {
        string directory = TestScratch.CreateDirectory("pipeline");
        string file = Path.Combine(directory, "data.txt");
        await File.WriteAllTextAsync(file, "data\n");
        string ls = await RealPathAsync("ls");
        string cat = await RealPathAsync("cat");
        string bash = await RealPathAsync("bash");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync("bash", ["-c", $"ls {directory} | cat; cat {file}"], collector);
        var all = await collector.WaitUntilAsync(
            all => all.Count(info => info.Binpath == cat) == 2 && all.Any(info => info.Binpath == ls) && all.Any(info => info.Pid == result.Pid),
            "bash, ls and two cats");

        Assert.Multiple(() =>
        {
            Assert.That(result.Stdout, Is.EqualTo("data.txt\ndata\n"), result.ToString());
            Assert.That(all.Where(info => info.Pid == result.Pid).Select(info => info.Binpath), Does.Contain(bash));
            Assert.That(all.Single(info => info.Binpath == ls).ParentPid, Is.EqualTo(result.Pid));
        });
    }

    [Test]
    public async Task CommandSubstitutionWithTheRealCapture()
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync("bash", ["-c", "x=$(echo hello | cat); echo \"$x\""], collector);
        await collector.WaitUntilAsync(all => all.Any(info => info.Binpath.EndsWith("/cat", StringComparison.Ordinal)), "cat's datagram");

        Assert.That(result.Stdout, Is.EqualTo("hello\n"), result.ToString());
    }

    [Test]
    public async Task BashScriptIsReportedAsItsInterpreter()
    {
        string script = await WriteScriptAsync("script.sh", "#!/bin/bash\necho \"bash script $1\"\n/usr/bin/true\n");
        string bash = await RealPathAsync("bash");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(script, ["ok"], collector);
        var all = await collector.WaitUntilAsync(all => all.Any(info => info.Pid == result.Pid) && all.Any(info => info.Binpath == "/usr/bin/true"), "the script and true");

        Assert.Multiple(() =>
        {
            Assert.That(result.Stdout, Is.EqualTo("bash script ok\n"), result.ToString());
            Assert.That(all.Where(info => info.Pid == result.Pid).Select(info => info.Binpath), Does.Contain(bash));
        });
    }

    [Test]
    public async Task Python3ScriptIsReportedAsItsInterpreter()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
            Assert.Ignore($"{python} is not installed");
        string script = await WriteScriptAsync("script.py", $"#!{python}\nimport sys\nprint('python script', sys.argv[1])\n");
        string interpreter = await RealPathAsync(python);
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(script, ["ok"], collector);
        var info = await collector.WaitForPidAsync(result.Pid);

        Assert.Multiple(() =>
        {
            Assert.That(result.Stdout, Is.EqualTo("python script ok\n"), result.ToString());
            Assert.That(info.Binpath, Is.EqualTo(interpreter));
        });
    }

    private static async Task<string> WriteScriptAsync(string name, string text)
    {
        string path = Path.Combine(TestScratch.CreateDirectory("script"), name);
        await File.WriteAllTextAsync(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The path /proc/PID/exe would show for a command (symlinks and merged /usr resolved).</summary>
    private static async Task<string> RealPathAsync(string command)
    {
        ProcessResult which = await ExternalCommand.RunAsync("bash", ["-c", $"readlink -f \"$(command -v {command})\""]);
        return which.Stdout.Trim();
    }
}
