using Ogrt.Agent.Interop;
using Ogrt.Agent.Tests.Infrastructure;
using Ogrt.Protocol;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>
/// End to end: the published agent (gate + NativeAOT capture) in a real C program that links
/// a real shared library, both watermarked with hand-made OGRT notes; every field of the
/// datagram that arrives at a real UDP socket is checked.
/// </summary>
[NonParallelizable]
[TestFixture(CapturePath.Fork)]
[TestFixture(CapturePath.Service)]
public class CaptureFieldTests(CapturePath path)
{
    private const string LibraryUuid = "1b0c5a2e-0000-4000-8000-11112222aaaa";
    private const string ProgramUuid = "2c1d6b3f-0000-4000-8000-33334444bbbb";

    private string program = "";
    private string library = "";
    private string workingDirectory = "";

    /// <summary>An allocated note in .note.ogrt.info, which the linker puts in a PT_NOTE segment.</summary>
    private static string Watermark(string uuid) => $$"""
        #include <stdint.h>
        struct ogrt_note { uint32_t namesz, descsz, type; char name[8]; char desc[40]; };
        __attribute__((section(".note.ogrt.info"), aligned(4), used))
        static const struct ogrt_note ogrt_watermark = { 5, 38, 0x4F475254, "OGRT", "\x01" "{{uuid}}" };
        """;

    [OneTimeSetUp]
    public async Task BuildProgramAndLibrary()
    {
        library = await CCompiler.CompileSharedLibraryAsync(
            Watermark(LibraryUuid) + "\nint field_test_answer(void) { return 42; }\n", "libfieldtest");
        string libraryDirectory = Path.GetDirectoryName(library)!;
        program = await CCompiler.CompileProgramAsync(
            Watermark(ProgramUuid) + """

            #include <stdio.h>
            int field_test_answer(void);
            int main(int argc, char **argv) { printf("answer %d argc %d\n", field_test_answer(), argc); return 3; }
            """,
            "fieldtest",
            "-L" + libraryDirectory, "-l:libfieldtest.so", "-Wl,-rpath," + libraryDirectory);
        workingDirectory = TestScratch.CreateDirectory("capture-cwd");
    }

    private async Task<(ProcessInfo Info, ProcessResult Result)> RunTrackedAsync(
        ProcessInfoListener collector, Dictionary<string, string?> environment, params string[] arguments)
    {
        var result = await AgentProcess.RunAsync(program, arguments, collector, environment, workingDirectory);
        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.Stdout, Is.EqualTo($"answer 42 argc {arguments.Length + 1}\n"));
        return (await collector.WaitForPidAsync(result.Pid), result);
    }

    [Test]
    public async Task EveryFieldOfAWatermarkedProgramAndLibrary()
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (info, _) = await RunTrackedAsync(collector, new()
        {
            ["SLURM_JOB_ID"] = "4242",
            ["PBS_JOBID"] = "not-first",
            ["LOADEDMODULES"] = "gcc/12.2:openmpi/4.1.5",
            ["USER"] = "field-test-user",
            ["OGRT_ENV_CAPTURE"] = "SLURM_*,FIELD_TEST_*,!*SECRET*",
            ["FIELD_TEST_VALUE"] = "ü 1",
            ["FIELD_TEST_SECRET"] = "hidden",
        }, "first", "sé cond");
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var paths = info.SharedObjects.Select(so => so.Path).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Binpath, Is.EqualTo(program));
            Assert.That(info.Cmdline, Is.EqualTo($"{program} first sé cond"));
            Assert.That(info.Arguments, Is.EqualTo(new[] { program, "first", "sé cond" }));
            Assert.That(info.ParentPid, Is.EqualTo(Environment.ProcessId));
            Assert.That(info.Time, Is.InRange(before, after), "start time of the process");
            Assert.That(info.TimeUs / 1_000_000, Is.EqualTo(info.Time));
            Assert.That(info.Uid, Is.EqualTo(Libc.getuid()));
            Assert.That(info.Gid, Is.EqualTo(Libc.getgid()));
            Assert.That(info.Username, Is.EqualTo(Environment.UserName), "the uid's passwd name, not $USER");
            Assert.That(info.Hostname, Is.EqualTo(Environment.MachineName));
            Assert.That(info.Cwd, Is.EqualTo(workingDirectory));
            Assert.That(info.JobId, Is.EqualTo("4242"));
            Assert.That(info.EnvironmentVariables, Is.EquivalentTo(new[] { "SLURM_JOB_ID=4242", "FIELD_TEST_VALUE=ü 1" }));
            Assert.That(info.LoadedModules.Select(m => m.Name), Is.EqualTo(new[] { "gcc/12.2", "openmpi/4.1.5" }));
            Assert.That(info.Signature, Is.EqualTo(ProgramUuid));
            Assert.That(paths, Has.None.EqualTo(program), "the program is binpath and signature, not a shared object (as upstream)");
            Assert.That(info.SharedObjects, Has.One.EqualTo(new SharedObject { Path = library, Signature = LibraryUuid }));
            Assert.That(paths, Has.One.EndsWith("/libc.so.6"));
            Assert.That(paths, Has.One.EndsWith("/libogrt.so"), "the preloaded gate is part of the process");
            Assert.That(paths, Has.None.EndsWith("ogrt-capture.so"), "what the capture loaded is not");
            Assert.That(info.SharedObjects.Where(so => so.Path != library).Select(so => so.HasSignature), Has.All.False);
            Assert.That(info.AgentVersion, Is.EqualTo("0.1.0"));
            Assert.That(info.HasTruncated, Is.False);
        }
    }

    [TestCase(null, new string[0])]
    [TestCase("none", new string[0])]
    [TestCase("", new string[0])]
    [TestCase("FIELD_*", new[] { "FIELD_A=1", "FIELD_B=2" })]
    [TestCase("FIELD_A,OTHER_C", new[] { "FIELD_A=1", "OTHER_C=3" })]
    public async Task EnvironmentCaptureModes(string? rules, string[] expected)
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var (info, _) = await RunTrackedAsync(collector, new()
        {
            ["OGRT_ENV_CAPTURE"] = rules,
            ["FIELD_A"] = "1",
            ["FIELD_B"] = "2",
            ["OTHER_C"] = "3",
        });
        Assert.That(info.EnvironmentVariables, Is.EquivalentTo(expected));
    }

    [Test]
    public async Task AllCapturesTheWholeEnvironmentButExclusions()
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var (info, _) = await RunTrackedAsync(collector, new()
        {
            ["OGRT_ENV_CAPTURE"] = "all,!*TOKEN*",
            ["FIELD_A"] = "1",
            ["GITHUB_TOKEN"] = "secret",
        });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.EnvironmentVariables, Contains.Item("FIELD_A=1"));
            Assert.That(info.EnvironmentVariables, Contains.Item("OGRT_ACTIVE=1"));
            Assert.That(info.EnvironmentVariables.Where(v => v.StartsWith("LD_PRELOAD=", StringComparison.Ordinal)), Has.Exactly(1).Items);
            Assert.That(info.EnvironmentVariables, Has.None.StartsWith("GITHUB_TOKEN="));
        }
    }

    [Test]
    public async Task SendTogglesOmitTheirFieldsAndUsernameIsThePasswdNameWhateverTheEnvironmentSays()
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var (quiet, _) = await RunTrackedAsync(collector, new()
        {
            ["OGRT_SEND_USERNAME"] = "0",
            ["OGRT_SEND_HOSTNAME"] = "0",
            ["OGRT_SEND_CMDLINE"] = "0",
            ["OGRT_SEND_MODULES"] = "0",
            ["LOADEDMODULES"] = "gcc/12",
        }, "secret-argument");
        var (fallback, _) = await RunTrackedAsync(collector, new() { ["USER"] = null, ["LOGNAME"] = null });
        var (logname, _) = await RunTrackedAsync(collector, new() { ["USER"] = null, ["LOGNAME"] = "from-logname" });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(quiet.HasUsername || quiet.HasHostname || quiet.HasCmdline, Is.False);
            Assert.That(quiet.Arguments, Is.Empty);
            Assert.That(quiet.LoadedModules, Is.Empty);
            Assert.That(quiet.SharedObjects, Is.Not.Empty, "the rest is still sent");
            Assert.That(fallback.Username, Is.EqualTo(Environment.UserName), "passwd entry of the uid");
            Assert.That(logname.Username, Is.EqualTo(Environment.UserName), "passwd entry of the uid, as upstream");
        }
    }

    [Test]
    public async Task JobIdIsTheFirstSetVariableWithJOBIDLast_ElseUNKNOWN_OrNoneWhenTheDefaultIsEmpty()
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var noJob = new Dictionary<string, string?> { ["SLURM_JOB_ID"] = null, ["PBS_JOBID"] = null, ["LSB_JOBID"] = null, ["JOB_ID"] = null, ["FLUX_JOB_ID"] = null, ["JOBID"] = null };

        var (jobid, _) = await RunTrackedAsync(collector, new(noJob) { ["JOBID"] = "77" });
        var (unknown, _) = await RunTrackedAsync(collector, noJob);
        var (none, _) = await RunTrackedAsync(collector, new(noJob) { ["OGRT_JOBID_DEFAULT"] = "" });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(jobid.JobId, Is.EqualTo("77"));
            Assert.That(unknown.JobId, Is.EqualTo("UNKNOWN"), "upstream's value when no job id is set");
            Assert.That(none.HasJobId, Is.False);
        }
    }

    [Test]
    public async Task ARecordThatFitsKeepsEveryStringWhole()
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        string long1 = new('a', 9000), long2 = new('b', 5000);

        var (info, _) = await RunTrackedAsync(collector, new() { ["OGRT_ENV_CAPTURE"] = "FIELD_LONG", ["FIELD_LONG"] = long2 }, long1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.HasTruncated, Is.False);
            Assert.That(info.Arguments, Is.EqualTo(new[] { program, long1 }));
            Assert.That(info.Cmdline, Is.EqualTo($"{program} {long1}"));
            Assert.That(info.EnvironmentVariables, Is.EqualTo(new[] { "FIELD_LONG=" + long2 }));
        }
    }

    [Test]
    public async Task HugeEnvironmentCapturedInFullIsTruncatedIntoOneValidDatagram()
    {
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);
        var environment = new Dictionary<string, string?> { ["OGRT_ENV_CAPTURE"] = "all", ["SLURM_JOB_ID"] = "99" };
        for (int i = 0; i < 4000; i++)
            environment[$"FIELD_BULK_{i:D4}"] = new string('v', 40);
        var (info, _) = await RunTrackedAsync(collector, environment, "arg");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(info.Truncated, Is.True);
            Assert.That(info.CalculateSize(), Is.LessThanOrEqualTo(65507 - 8));
            Assert.That(info.EnvironmentVariables, Has.Count.InRange(100, 3999));
            Assert.That(info.JobId, Is.EqualTo("99"));
            Assert.That(info.Arguments, Is.EqualTo(new[] { program, "arg" }));
            Assert.That(info.SharedObjects, Has.One.Property("Path").EqualTo(library));
        }
    }
}
