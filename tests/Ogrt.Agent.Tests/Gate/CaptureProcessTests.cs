using System.Diagnostics;
using System.Globalization;
using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>
/// The capture process, observed alive: the gate is paired with a capture library that never
/// returns (Programs/blocking_capture.c), so the test can look at the capture process while it
/// runs and prove the tracked side did not wait for it.
/// </summary>
public class CaptureProcessTests
{
    [Test]
    public async Task CommandSubstitutionReturnsWhileCaptureStillRuns()
    {
        using var capture = await BlockedCapture.CreateAsync();
        string program = await GatePrograms.CompileAsync("exit_status");
        capture.Environment["OGRT_FILTER"] = $"+{program}:-*";

        // bash waits for end-of-file on the substitution's pipe: it only gets there if the
        // capture process let go of the program's stdout.
        ProcessResult result = await AgentProcess.RunAsync(
            "bash", ["-c", $"x=$({program} 5); echo \"[$x] $?\""], collector: null, capture.Environment);
        int capturePid = await capture.WaitForPidAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.Stdout, Is.EqualTo("[to stdout] 5\n"), result.ToString());
            Assert.That(IsAlive(capturePid), Is.True, "the capture process still runs after bash returned");
        });
    }

    [Test]
    public async Task CaptureProcessIsDetached()
    {
        using var capture = await BlockedCapture.CreateAsync();
        string program = await GatePrograms.CompileAsync("exit_status");

        ProcessResult result = await AgentProcess.RunAsync(program, [], collector: null, capture.Environment);
        int capturePid = await capture.WaitForPidAsync();
        string[] stat = StatFieldsOf(capturePid);
        var descriptors = new DirectoryInfo($"/proc/{capturePid}/fd").GetFileSystemInfos()
            .ToDictionary(fd => fd.Name, fd => fd.LinkTarget);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That(stat[1], Is.Not.EqualTo(Text(result.Pid)), "parent is not the tracked process");
            Assert.That(stat[3], Is.EqualTo(Text(capturePid)), "session leader (setsid)");
            Assert.That(descriptors, Is.EqualTo(new Dictionary<string, string?>
            {
                ["0"] = "/dev/null",
                ["1"] = "/dev/null",
                ["2"] = "/dev/null",
            }));
        });
    }

    [Test]
    public async Task DebugInfoKeepsStderrOfTheCaptureProcess()
    {
        using var capture = await BlockedCapture.CreateAsync();
        string program = await GatePrograms.CompileAsync("exit_status");
        capture.Environment["OGRT_FILTER"] = $"+{program}:-*";
        capture.Environment["OGRT_DEBUG_INFO"] = "1";

        // Redirect the program's stderr to a file so the test does not wait for the capture.
        string stderrFile = Path.Combine(TestScratch.CreateDirectory("stderr"), "stderr.txt");
        ProcessResult result = await AgentProcess.RunAsync(
            "bash", ["-c", $"exec {program} 2>{stderrFile}"], collector: null, capture.Environment);
        int capturePid = await capture.WaitForPidAsync();

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(stderrFile), Does.Contain($"ogrt: tracking {program}"));
            Assert.That(new FileInfo($"/proc/{capturePid}/fd/2").LinkTarget, Is.EqualTo(stderrFile));
            Assert.That(result.ExitCode, Is.Zero);
        });
    }

    [Test]
    public async Task MissingCaptureLibraryLeavesTheProgramAloneAndIsReportedOnlyWhenAsked()
    {
        string agent = TestScratch.CreateDirectory("gate-only");
        File.Copy(await AgentBuild.GetGateLibraryAsync(), Path.Combine(agent, "libogrt.so"));
        string program = await GatePrograms.CompileAsync("exit_status");
        var environment = new Dictionary<string, string?> { ["LD_PRELOAD"] = Path.Combine(agent, "libogrt.so") };
        var debug = new Dictionary<string, string?>(environment) { ["OGRT_DEBUG_INFO"] = "1" };

        ProcessResult quiet = await AgentProcess.RunAsync(program, ["8"], collector: null, environment);
        // With OGRT_DEBUG_INFO=1 the capture process keeps stderr, so the runner's wait for
        // end-of-file on stderr also waits for the capture process's report.
        ProcessResult explained = await AgentProcess.RunAsync(program, ["8"], collector: null, debug);

        Assert.Multiple(() =>
        {
            Assert.That(quiet.ExitCode, Is.EqualTo(8));
            Assert.That(quiet.Stdout, Is.EqualTo("to stdout\n"));
            Assert.That(quiet.Stderr, Is.EqualTo("to stderr\n"));
            Assert.That(explained.ExitCode, Is.EqualTo(8));
            Assert.That(explained.Stderr, Does.Contain($"ogrt: tracking {program}"));
            Assert.That(explained.Stderr, Does.Contain("ogrt: no capture: ").And.Contain("ogrt-capture.so"));
        });
    }

    /// <summary>
    /// libogrt.so next to blocking_capture compiled as ogrt-capture.so: the capture process writes
    /// its pid to a file and never returns. Disposing kills it.
    /// </summary>
    private sealed class BlockedCapture : IDisposable
    {
        private readonly string _pidFile;
        private int _pid;

        private BlockedCapture(string agent, string pidFile)
        {
            _pidFile = pidFile;
            Environment = new Dictionary<string, string?>
            {
                ["LD_PRELOAD"] = Path.Combine(agent, "libogrt.so"),
                ["OGRT_TEST_CAPTURE_PID_FILE"] = pidFile,
            };
        }

        /// <summary>The environment that runs a program under this agent; tests add settings.</summary>
        public Dictionary<string, string?> Environment { get; }

        public static async Task<BlockedCapture> CreateAsync()
        {
            string agent = TestScratch.CreateDirectory("blocking-agent");
            File.Copy(await AgentBuild.GetGateLibraryAsync(), Path.Combine(agent, "libogrt.so"));
            File.Copy(await GatePrograms.CompileCaptureLibraryAsync("blocking_capture"), Path.Combine(agent, "ogrt-capture.so"));
            return new BlockedCapture(agent, Path.Combine(TestScratch.CreateDirectory("pid"), "capture.pid"));
        }

        /// <summary>Waits until the capture process has written its pid.</summary>
        public async Task<int> WaitForPidAsync()
        {
            DateTime deadline = DateTime.UtcNow + ProcessInfoListener.DefaultTimeout;
            while (true)
            {
                if (File.Exists(_pidFile) && int.TryParse(await File.ReadAllTextAsync(_pidFile), out int pid) && pid > 0)
                    return _pid = pid;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"the capture process never wrote {_pidFile}");
                await Task.Delay(20);
            }
        }

        public void Dispose()
        {
            if (_pid <= 0)
                return;
            try
            {
                using var process = Process.GetProcessById(_pid);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    /// <summary>/proc/PID/stat split after the command name: [0] is the state, [1] the ppid, [3] the session…</summary>
    private static string[] StatFieldsOf(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static string Text(int number) => number.ToString(CultureInfo.InvariantCulture);

    private static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && StatFieldsOf(pid)[0] is not ("Z" or "X");
}
