using Ogrt.Cli.Elf;
using Ogrt.Cli.Linking;
using Ogrt.Cli.Tests.Infrastructure;

namespace Ogrt.Cli.Tests;

/// <summary>Which linker invocations the wrapper signs (the decision only; linking is in LinkerWrapperTests).</summary>
public class WatermarkDecisionTests
{
    [TestCase("-r")]
    [TestCase("-i")]
    [TestCase("-Ur")]
    [TestCase("--relocatable")]
    [TestCase("--version")]
    [TestCase("-version")]
    [TestCase("--help")]
    [TestCase("--target-help")]
    public void PartialLinksAndExitingQueriesPassThrough(string option) =>
        Assert.That(Decide(["-o", "out", option, "a.o"]).Target, Is.Null);

    [TestCase]
    [TestCase("-v")]
    [TestCase("-V", "--verbose")]
    [TestCase("--verbose=2")]
    public void InformationOnlyCommandLinesPassThrough(params string[] arguments) =>
        Assert.That(Decide(arguments).Target, Is.Null);

    [TestCase("--oformat", "binary")]
    [TestCase("--oformat=ihex")]
    [TestCase("-oformat", "srec")]
    public void RawImageOutputPassesThrough(params string[] format) =>
        Assert.That(Decide(["-T", "boot.ld", .. format, "boot.o"]).Target, Is.Null);

    [Test]
    public void ElfOutputFormatIsSigned() =>
        Assert.That(Decide(["--oformat=elf64-x86-64", "main.o"]).Target, Is.EqualTo(ElfTarget.X86_64));

    [Test]
    public void LinksWithVersionOutputAreStillSigned() =>
        Assert.That(Decide(["-v", "crt1.o", "main.o", "-lc"]).Target, Is.EqualTo(ElfTarget.X86_64));

    [TestCase("elf_i386", "i386")]
    [TestCase("elf32_x86_64", "x32")]
    [TestCase("elf_x86_64", "x86-64")]
    public void EmulationChoosesTheObjectFormat(string emulation, string target)
    {
        Assert.That(Decide(["-m", emulation, "main.o"]).Target?.Name, Is.EqualTo(target));
        Assert.That(Decide(["-m" + emulation, "main.o"]).Target?.Name, Is.EqualTo(target));
    }

    [Test]
    public void UnknownEmulationLinksUnsignedWithAWarning()
    {
        var decision = Decide(["-m", "elf64ppc", "main.o"]);

        Assert.That(decision.Target, Is.Null);
        Assert.That(decision.Warning, Is.EqualTo("emulation 'elf64ppc' is not supported; linking without an OGRT watermark"));
    }

    [TestCase("0", true)]
    [TestCase(" Off ", true)]
    [TestCase("false", true)]
    [TestCase("no", true)]
    [TestCase("1", false)]
    [TestCase("", false)]
    public void WatermarkSettingDisables(string setting, bool disabled) =>
        Assert.That(WatermarkDecision.Decide(["main.o"], setting, nested: false).Target is null, Is.EqualTo(disabled));

    [Test]
    public void NestedWrapperDoesNotSignAgain() =>
        Assert.That(WatermarkDecision.Decide(["main.o"], null, nested: true).Target, Is.Null);

    [Test]
    public void ResponseFilesAreSearchedWithGnuQuotingAndNesting()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllText(directory.File("inner.rsp"), "\"-m\" elf_i386\n");
        File.WriteAllText(directory.File("outer.rsp"), $"'main file.o' a\\ b.o @{directory.File("inner.rsp")}\n  -lc");

        var expanded = ResponseFile.Expand(["-o", "out", "@" + directory.File("outer.rsp"), "@missing.rsp"]);

        Assert.That(expanded, Is.EqualTo(new[] { "-o", "out", "main file.o", "a b.o", "-m", "elf_i386", "-lc", "@missing.rsp" }));
        Assert.That(Decide(["@" + directory.File("outer.rsp")]).Target, Is.EqualTo(ElfTarget.I386));
    }

    private static WatermarkDecision Decide(string[] arguments) => WatermarkDecision.Decide(arguments, null, nested: false);
}
