using System.Buffers.Binary;
using System.Text;
using Ogrt.Cli.Elf;
using Ogrt.Cli.Tests.Infrastructure;
using Ogrt.Protocol.Watermark;

namespace Ogrt.Cli.Tests;

public class WatermarkCommandTests
{
    private static readonly ElfTarget[] Targets = [ElfTarget.X86_64, ElfTarget.I386, ElfTarget.X32, ElfTarget.AArch64];

    [TestCase("x86-64")]
    [TestCase("i386")]
    [TestCase("x32")]
    [TestCase("aarch64")]
    public void ObjectBytesParseBackToTheNoteInAnAllocatedNoteSection(string targetName)
    {
        var target = Targets.Single(t => t.Name == targetName);
        const string uuid = "0b5e3c52-8a3d-4f1e-9c57-2a1d4b6e7f80";

        byte[] image = WatermarkObjectWriter.Write(target, uuid);

        Assert.That(image.AsSpan(0, 4).ToArray(), Is.EqualTo("\x7F"u8.ToArray().Concat("ELF"u8.ToArray())));
        Assert.That(image[4], Is.EqualTo(target.Is64Bit ? 2 : 1), "EI_CLASS");
        Assert.That(image[5], Is.EqualTo(1), "little endian");
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(16)), Is.EqualTo(1), "ET_REL");
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(18)), Is.EqualTo(target.Machine));
        var sections = ParseSections(image, target.Is64Bit);
        Assert.That(sections.Select(s => s.Name), Is.EqualTo(new[] { "", ".note.ogrt.info", ".note.GNU-stack", ".shstrtab" }));

        var note = sections[1];
        Assert.Multiple(() =>
        {
            Assert.That(note.Type, Is.EqualTo(7), "SHT_NOTE");
            Assert.That(note.Flags, Is.EqualTo(2), "SHF_ALLOC only");
            Assert.That(note.Alignment, Is.EqualTo(4));
            Assert.That(OgrtNote.TryFind(image.AsSpan((int)note.Offset, (int)note.Size), out var found), Is.True);
            Assert.That(Encoding.ASCII.GetString(found), Is.EqualTo(uuid));
            Assert.That(sections[2].Flags, Is.Zero, ".note.GNU-stack must not request an executable stack");
            Assert.That(sections[2].Size, Is.Zero);
        });
    }

    [Test]
    public void ReadelfShowsTheNoteAndTheSections()
    {
        using var directory = new TemporaryDirectory();
        string file = directory.File("w.o");
        const string uuid = "6F1D2C3B-4A59-4687-B7A6-95D4C3B2A190";

        var result = OgrtCli.Run("watermark", "-o", file, "--uuid", uuid);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout.Trim(), Is.EqualTo(uuid.ToLowerInvariant()), "prints the (normalised) UUID");
        Assert.That(ElfNotes.OgrtUuids(file), Is.EqualTo(new[] { uuid.ToLowerInvariant() }));
        var sections = ExternalProcess.Run("readelf", ["-SW", file]);
        Assert.That(sections.Stdout, Does.Match(@"\.note\.ogrt\.info\s+NOTE\s+0+\s+[0-9a-f]+\s+0+3c\s+00\s+A\s+0\s+0\s+4\b"));
        Assert.That(sections.Stdout, Does.Match(@"\.note\.GNU-stack\s+PROGBITS\s+0+\s+[0-9a-f]+\s+0+\s+00\s+0\s+0\s+1\b"));
        Assert.That(sections.Stderr, Is.Empty, "readelf found nothing to complain about");
    }

    [Test]
    public void DefaultUuidIsAFreshLowercaseVersion4Uuid()
    {
        using var directory = new TemporaryDirectory();

        var first = OgrtCli.Run("watermark", "-o", directory.File("a.o"));
        var second = OgrtCli.Run("watermark", "--output", directory.File("b.o"));

        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        string uuid = ElfNotes.OgrtUuids(directory.File("a.o")).Single();
        Assert.That(uuid, Does.Match("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
        Assert.That(uuid, Is.EqualTo(first.Stdout.Trim()));
        Assert.That(ElfNotes.OgrtUuids(directory.File("b.o")).Single(), Is.Not.EqualTo(uuid));
    }

    [TestCase("not-a-uuid")]
    [TestCase("0b5e3c528a3d4f1e9c572a1d4b6e7f80")]
    [TestCase("{0b5e3c52-8a3d-4f1e-9c57-2a1d4b6e7f80}")]
    [TestCase("0b5e3c52-8a3d-4f1e-9c57-2a1d4b6e7f8")]
    public void InvalidUuidIsAUsageError(string uuid)
    {
        using var directory = new TemporaryDirectory();

        var result = OgrtCli.Run("watermark", "-o", directory.File("w.o"), "--uuid", uuid);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("is not a UUID"));
        Assert.That(File.Exists(directory.File("w.o")), Is.False);
    }

    [Test]
    public void MissingOutputIsAUsageError()
    {
        var result = OgrtCli.Run("watermark");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("--output").And.Contain("ogrt watermark --help"));
    }

    [Test]
    public void UnwritableOutputFailsWithTheReason()
    {
        using var directory = new TemporaryDirectory();
        string file = Path.Join(directory.Path, "no-such-directory", "w.o");

        var result = OgrtCli.Run("watermark", "-o", file);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.StartWith($"ogrt watermark: cannot write {file}:"));
    }

    [TestCase("watermark")]
    [TestCase("signature")]
    [TestCase("send-test")]
    public void EveryVerbHasHelp(string verb)
    {
        var result = OgrtCli.Run(verb, "--help");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Contain($"ogrt {verb} [options]").Or.Contain($"ogrt {verb} <FILE>"));
    }

    [Test]
    public void RootHelpListsTheVerbsAndUnknownVerbIsAUsageError()
    {
        var help = OgrtCli.Run("--help");
        var unknown = OgrtCli.Run("no-such-verb");
        var none = OgrtCli.Run();

        Assert.That(help.ExitCode, Is.Zero, help.ToString());
        Assert.That(help.Stdout, Does.Contain("watermark").And.Contain("signature").And.Contain("send-test"));
        Assert.That(unknown.ExitCode, Is.EqualTo(2), unknown.ToString());
        Assert.That(none.ExitCode, Is.EqualTo(2), none.ToString());
    }

    [Test]
    public void VersionIsTheProductVersion()
    {
        var result = OgrtCli.Run("--version");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout.Trim(), Is.EqualTo(typeof(ElfTarget).Assembly.GetName().Version!.ToString(3)));
    }

    private sealed record Section(string Name, uint Type, ulong Flags, ulong Offset, ulong Size, ulong Alignment);

    /// <summary>An independent little section-table parser, so the test does not trust the writer's layout code.</summary>
    private static List<Section> ParseSections(byte[] image, bool is64Bit)
    {
        ulong Word(int at) => is64Bit ? BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(at));
        var span = image.AsSpan();
        int sectionTable = (int)Word(is64Bit ? 40 : 32);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[(is64Bit ? 58 : 46)..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(span[(is64Bit ? 60 : 48)..]);
        int namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(span[(is64Bit ? 62 : 50)..]);
        Assert.That(entrySize, Is.EqualTo(is64Bit ? 64 : 40));

        var raw = new List<(uint Name, Section Section)>();
        for (int i = 0; i < count; i++)
        {
            int at = sectionTable + i * entrySize;
            int w = is64Bit ? 8 : 4;   // sh_flags at 8, then addr, offset, size words; link, info; addralign
            raw.Add((BinaryPrimitives.ReadUInt32LittleEndian(span[at..]), new Section("",
                BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 4)..]),
                Word(at + 8), Word(at + 8 + 2 * w), Word(at + 8 + 3 * w), Word(at + 16 + 4 * w))));
        }
        var names = raw[namesIndex].Section;
        return raw.Select(r =>
        {
            int start = (int)names.Offset + (int)r.Name;
            int end = Array.IndexOf(image, (byte)0, start);
            return r.Section with { Name = Encoding.ASCII.GetString(image, start, end - start) };
        }).ToList();
    }
}
