using Ogrt.Agent.Tests.Infrastructure;
using Ogrt.Cli.Tests.Infrastructure;

namespace Ogrt.Cli.Tests;

/// <summary>End to end: built through the wrapper, run under the agent, signatures reach the collector.</summary>
public class AgentReportsSignaturesTests
{
    [Test]
    public async Task ProgramAndLibrarySignaturesAreReported()
    {
        using var directory = new TemporaryDirectory();
        string wrapper = NativeOgrt.CreateWrapperDirectory(directory.Path) + "/";
        File.WriteAllText(directory.File("answer.c"), "int answer(void) { return 42; }\n");
        File.WriteAllText(directory.File("main.c"), "extern int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n");
        Toolchain.MustSucceed("gcc", ["-B", wrapper, "-shared", "-fPIC", "answer.c", "-o", "libanswer.so"], directory.Path);
        Toolchain.MustSucceed("gcc", ["-B", wrapper, "main.c", "-L.", "-lanswer", "-Wl,-rpath," + directory.Path, "-o", "signed-main"], directory.Path);
        string program = directory.File("signed-main");
        string library = directory.File("libanswer.so");
        string programUuid = ElfNotes.OgrtUuids(program).Single();
        string libraryUuid = ElfNotes.OgrtUuids(library).Single();

        using var collector = new ProcessInfoListener();
        var run = await AgentProcess.RunAsync(program, [], collector);
        var info = await collector.WaitForPidAsync(run.Pid);

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.Zero, run.ToString());
            Assert.That(info.Signature, Is.EqualTo(programUuid));
            Assert.That(info.SharedObjects.Where(o => o.Path == library).Select(o => o.Signature), Is.EqualTo(new[] { libraryUuid }));
            Assert.That(info.SharedObjects.Where(o => o.Path.Contains("libc.so")).Select(o => o.HasSignature), Is.EqualTo(new[] { false }),
                "unsigned libraries report no signature");
        });
    }
}
