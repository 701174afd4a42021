using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Ogrt.Agent.Capture;
using Ogrt.Agent.Interop;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>Watermark reading from program headers over a hand-built memory image.</summary>
public unsafe class ElfNoteReaderTests
{
    private const uint PtLoad = 1;

    /// <summary>An OGRT note built from the format description, independently of OgrtNote.Encode.</summary>
    private static byte[] EncodeNote(string uuid)
    {
        int descriptorSize = 1 + uuid.Length + 1;
        var note = new byte[12 + 8 + ((descriptorSize + 3) & ~3)];
        BinaryPrimitives.WriteUInt32LittleEndian(note, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(note.AsSpan(4), (uint)descriptorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(note.AsSpan(8), 0x4F475254);
        "OGRT\0"u8.CopyTo(note.AsSpan(12));
        note[20] = 0x01;
        Encoding.ASCII.GetBytes(uuid).CopyTo(note, 21);
        return note;
    }

    private static byte[] ForeignNote()
    {
        // A GNU build-id note: name "GNU\0", type 3, 8-byte descriptor.
        var note = new byte[12 + 4 + 8];
        BinaryPrimitives.WriteUInt32LittleEndian(note, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(note.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt32LittleEndian(note.AsSpan(8), 3);
        "GNU\0"u8.CopyTo(note.AsSpan(12));
        return note;
    }

    private static string Find(byte[] image, ElfProgramHeader[] headers, nint bias = 0)
    {
        byte* memory = (byte*)NativeMemory.Alloc((nuint)image.Length);
        try
        {
            image.CopyTo(new Span<byte>(memory, image.Length));
            fixed (ElfProgramHeader* first = headers)
                return Encoding.ASCII.GetString(ElfNoteReader.FindSignature((nint)memory - bias, first, headers.Length));
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }

    private static ElfProgramHeader Header(uint type, int offset, int size) => new()
    {
        Type = type,
        VirtualAddress = (ulong)offset,
        MemorySize = (ulong)size,
        FileSize = (ulong)size,
        Alignment = 4,
    };

    [Test]
    public void FindsTheWatermarkInASecondNoteSegmentAfterAForeignNote()
    {
        const string uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        byte[] foreign = ForeignNote();
        byte[] ogrt = EncodeNote(uuid);
        var image = new byte[4096];
        foreign.CopyTo(image, 256);
        foreign.CopyTo(image, 1024);
        ogrt.CopyTo(image, 1024 + foreign.Length);
        ElfProgramHeader[] headers =
        [
            Header(PtLoad, 0, 4096),
            Header(Libc.PT_NOTE, 256, foreign.Length),
            Header(Libc.PT_NOTE, 1024, foreign.Length + ogrt.Length),
        ];

        Assert.That(Find(image, headers), Is.EqualTo(uuid));
    }

    [Test]
    public void LoadBiasIsAddedToTheVirtualAddress()
    {
        const string uuid = "11111111-2222-3333-4444-555555555555";
        byte[] ogrt = EncodeNote(uuid);
        var image = new byte[512];
        ogrt.CopyTo(image, 100);
        // The object claims vaddr 0x400064; loaded at memory - 0x400000.
        Assert.That(Find(image, [Header(PtLoad, 0x400000, image.Length), Header(Libc.PT_NOTE, 0x400000 + 100, ogrt.Length)], bias: 0x400000), Is.EqualTo(uuid));
    }

    [Test]
    public void ANoteThatNoLoadedSegmentCoversIsNotRead()
    {
        byte[] ogrt = EncodeNote("11111111-2222-3333-4444-555555555555");
        var image = new byte[512];
        ogrt.CopyTo(image, 200);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Find(image, [Header(PtLoad, 0, 512), Header(Libc.PT_NOTE, 200, ogrt.Length)]), Is.Not.Empty, "positive control");
            Assert.That(Find(image, [Header(Libc.PT_NOTE, 200, ogrt.Length)]), Is.Empty, "no PT_LOAD at all");
            Assert.That(Find(image, [Header(PtLoad, 0, 210), Header(Libc.PT_NOTE, 200, ogrt.Length)]), Is.Empty, "runs past the loaded segment");
        }
    }

    [Test]
    public void NoWatermarkTruncatedNoteOrNoNoteSegmentGivesNothing()
    {
        byte[] ogrt = EncodeNote("11111111-2222-3333-4444-555555555555");
        var image = new byte[512];
        ForeignNote().CopyTo(image, 0);
        ogrt.CopyTo(image, 200);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Find(image, [Header(Libc.PT_NOTE, 0, ForeignNote().Length)]), Is.Empty);
            Assert.That(Find(image, [Header(Libc.PT_NOTE, 200, ogrt.Length - 4)]), Is.Empty, "note cut short");
            Assert.That(Find(image, [Header(PtLoad, 200, ogrt.Length)]), Is.Empty, "not a PT_NOTE");
            Assert.That(Find(image, [Header(Libc.PT_NOTE, 200, 0)]), Is.Empty);
            Assert.That(Find(image, []), Is.Empty);
        }
    }
}
