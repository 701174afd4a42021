using Ogrt.Cli.Elf;
using Ogrt.Cli.Tests.Infrastructure;

namespace Ogrt.Cli.Tests;

/// <summary>`ogrt signature` on real binaries built by gcc and on every kind of bad input.</summary>
public class SignatureCommandTests
{
    private const string Uuid = "3c0ffee0-1d2e-4f30-8a4b-5c6d7e8f9a0b";

    private TemporaryDirectory _directory = null!;
    private string _signedProgram = null!;
    private string _unsignedProgram = null!;
    private string _watermarkObject = null!;

    [OneTimeSetUp]
    public void BuildPrograms()
    {
        _directory = new TemporaryDirectory();
        string source = _directory.File("hello.c");
        File.WriteAllText(source, "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n");
        _watermarkObject = _directory.File("watermark.o");
        var watermark = OgrtCli.Run("watermark", "-o", _watermarkObject, "--uuid", Uuid);
        Assert.That(watermark.ExitCode, Is.Zero, watermark.ToString());
        _signedProgram = _directory.File("signed");
        _unsignedProgram = _directory.File("unsigned");
        Toolchain.MustSucceed("gcc", [source, _watermarkObject, "-o", _signedProgram], _directory.Path);
        Toolchain.MustSucceed("gcc", [source, "-o", _unsignedProgram], _directory.Path);
    }

    [OneTimeTearDown]
    public void RemovePrograms() => _directory.Dispose();

    [Test]
    public void SignedProgramAndObjectPrintTheirUuid()
    {
        var result = OgrtCli.Run("signature", _signedProgram, _watermarkObject);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Is.EqualTo($"{_signedProgram}: {Uuid}\n{_watermarkObject}: {Uuid}\n"));
        Assert.That(result.Stderr, Is.Empty);
        Assert.That(Toolchain.MustSucceed(_signedProgram, [], _directory.Path).Stdout, Is.EqualTo("hello\n"),
            "the watermarked program runs");
    }

    [Test]
    public void UnsignedProgramSaysSoAndExitsOne()
    {
        var result = OgrtCli.Run("signature", _unsignedProgram, _signedProgram);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stdout, Is.EqualTo($"{_unsignedProgram}: no signature\n{_signedProgram}: {Uuid}\n"));
    }

    [Test]
    public void NonElfDirectoryMissingAndSpecialFilesAreReportedOnStderrWithExitThree()
    {
        string text = _directory.File("notes.txt");
        File.WriteAllText(text, "just some text, long enough to fill an ELF header and then some more bytes");
        string empty = _directory.File("empty");
        File.WriteAllBytes(empty, []);
        string fifo = _directory.File("fifo");
        Toolchain.MustSucceed("mkfifo", [fifo], _directory.Path);
        string missing = _directory.File("missing");

        var result = OgrtCli.Run("signature", text, empty, _directory.Path, missing, fifo, _signedProgram);

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.Stdout, Is.EqualTo($"{_signedProgram}: {Uuid}\n"), "readable files are still reported");
        Assert.That(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            $"ogrt signature: {text}: not an ELF file",
            $"ogrt signature: {empty}: not an ELF file",
            $"ogrt signature: {_directory.Path}: is a directory",
            $"ogrt signature: {missing}: No such file or directory",
            $"ogrt signature: {fifo}: not a regular file",
        }));
    }

    [Test]
    public void TruncatedFilesAreReportedNotMisread()
    {
        byte[] program = File.ReadAllBytes(_signedProgram);
        int noteOffset = OffsetOf(program, "OGRT\0"u8.ToArray());
        var cuts = new Dictionary<string, int>
        {
            ["in-ident"] = 10,
            ["in-header"] = 40,
            ["in-program-headers"] = 64 + 20,
            ["in-ogrt-note"] = noteOffset + 8,
        };
        foreach (var (name, length) in cuts)
            File.WriteAllBytes(_directory.File(name), program[..length]);

        var result = OgrtCli.Run(["signature", .. cuts.Keys.Select(_directory.File)], environment: null);

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.Stdout, Is.Empty);
        Assert.That(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            $"ogrt signature: {_directory.File("in-ident")}: truncated ELF header",
            $"ogrt signature: {_directory.File("in-header")}: truncated ELF header",
            $"ogrt signature: {_directory.File("in-program-headers")}: truncated ELF file (program header table extends beyond the end of the file)",
            $"ogrt signature: {_directory.File("in-ogrt-note")}: truncated ELF file (PT_NOTE segment extends beyond the end of the file)",
        }));
    }

    [Test]
    public void BigEndianAndCorruptHeadersAreUnsupportedNotCrashes()
    {
        byte[] program = File.ReadAllBytes(_signedProgram);
        var variants = new Dictionary<string, Action<byte[]>>
        {
            ["big-endian"] = p => p[5] = 2,
            ["bad-class"] = p => p[4] = 9,
            ["huge-program-header-count"] = p => { p[56] = 0xFE; p[57] = 0xFF; },
            ["tiny-program-header-size"] = p => { p[54] = 8; p[55] = 0; },
        };
        foreach (var (name, corrupt) in variants)
        {
            byte[] copy = (byte[])program.Clone();
            corrupt(copy);
            File.WriteAllBytes(_directory.File(name), copy);
        }

        var result = OgrtCli.Run(["signature", .. variants.Keys.Select(_directory.File)], environment: null);

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            $"ogrt signature: {_directory.File("big-endian")}: big-endian ELF is not supported",
            $"ogrt signature: {_directory.File("bad-class")}: unknown ELF class 9",
            $"ogrt signature: {_directory.File("huge-program-header-count")}: implausible program header table (65534 entries at offset 64)",
            $"ogrt signature: {_directory.File("tiny-program-header-size")}: invalid program header entry size 8",
        }));
    }

    [Test]
    public void Elf32ProgramIsReadThroughItsProgramHeaders()
    {
        // A 32-bit static program linked by ld itself from gcc -m32 code and a 32-bit watermark.
        string source = _directory.File("start32.c");
        File.WriteAllText(source, "void _start(void) { for (;;) ; }\n");
        var compile = ExternalProcess.Run("gcc", ["-m32", "-fno-pic", "-c", source, "-o", _directory.File("start32.o")], _directory.Path);
        if (compile.ExitCode != 0)
            Assert.Ignore($"gcc cannot compile for -m32 here:\n{compile}");
        const string uuid = "e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7";
        File.WriteAllBytes(_directory.File("watermark32.o"), WatermarkObjectWriter.Write(ElfTarget.I386, uuid));
        Toolchain.MustSucceed("ld", ["-m", "elf_i386", "start32.o", "watermark32.o", "-o", "program32"], _directory.Path);

        var result = OgrtCli.Run("signature", _directory.File("program32"), _directory.File("watermark32.o"), _directory.File("start32.o"));

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stdout, Is.EqualTo(
            $"{_directory.File("program32")}: {uuid}\n{_directory.File("watermark32.o")}: {uuid}\n{_directory.File("start32.o")}: no signature\n"));
    }

    [Test]
    public void ControlCharactersInANoteAreEscaped()
    {
        string file = _directory.File("escape.o");
        File.WriteAllBytes(file, WatermarkObjectWriter.Write(ElfTarget.X86_64, "evil\u001b[2Jname\\"));

        var result = OgrtCli.Run("signature", file);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Is.EqualTo($"{file}: evil\\x1b[2Jname\\x5c\n"));
    }

    [Test]
    public void RelocatableWithSeveralNoteSectionsIsSearchedThroughItsSections()
    {
        // gcc objects carry .note.gnu.property; a partial link keeps it before our note.
        Toolchain.MustSucceed("gcc", ["-c", "hello.c", "-o", "hello.o"], _directory.Path);
        Toolchain.MustSucceed("ld", ["-r", "hello.o", _watermarkObject, "-o", "combined.o"], _directory.Path);

        var result = OgrtCli.Run("signature", _directory.File("combined.o"), _directory.File("hello.o"));

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stdout, Is.EqualTo($"{_directory.File("combined.o")}: {Uuid}\n{_directory.File("hello.o")}: no signature\n"));
    }

    [Test]
    public void ManyFilesAreReportedInInputOrder()
    {
        // Enough files for the parallel path; signed, unsigned and unreadable interleaved.
        var files = Enumerable.Range(0, 60)
            .Select(i => (i % 3) switch { 0 => _signedProgram, 1 => _unsignedProgram, _ => _directory.Path })
            .ToArray();

        var result = OgrtCli.Run(["signature", .. files], environment: null);

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(files.Where(f => f != _directory.Path).Select(f => f == _signedProgram ? $"{f}: {Uuid}" : $"{f}: no signature")));
        Assert.That(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(20)
            .And.All.EqualTo($"ogrt signature: {_directory.Path}: is a directory"));
    }

    [Test]
    public void RandomlyCorruptedHeadersNeverCrashTheReader()
    {
        byte[] program = File.ReadAllBytes(_signedProgram);
        var random = new Random(20261125);
        var files = new List<string>();
        for (int i = 0; i < 200; i++)
        {
            byte[] copy = (byte[])program.Clone();
            for (int flips = 0; flips < 1 + i % 8; flips++)
                copy[random.Next(4, 1024)] = (byte)random.Next(256);   // keep the magic, damage headers
            string file = _directory.File($"corrupt-{i}");
            File.WriteAllBytes(file, copy);
            files.Add(file);
        }

        var result = OgrtCli.Run(["signature", .. files], environment: null);

        Assert.That(result.ExitCode, Is.AnyOf(0, 1, 3), result.ToString());
        int reported = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length
            + result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => line.StartsWith("ogrt signature: "));
        Assert.That(reported, Is.EqualTo(files.Count), "exactly one line per file");
        Assert.That(result.Stderr, Does.Not.Contain("Unhandled exception"));
    }

    [Test]
    public void NoFileIsAUsageError()
    {
        var result = OgrtCli.Run("signature");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
    }

    private static int OffsetOf(byte[] haystack, byte[] needle) =>
        haystack.AsSpan().IndexOf(needle) is var index and >= 0 ? index : throw new AssertionException("pattern not found");
}
