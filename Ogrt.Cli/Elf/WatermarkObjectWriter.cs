using System.Buffers.Binary;
using System.Text;
using Ogrt.Protocol.Watermark;

namespace Ogrt.Cli.Elf;

/// <summary>
/// Writes a relocatable ELF object (little-endian) whose only content is the OGRT note, in an
/// allocated <c>.note.ogrt.info</c> section so the linker puts it in a PT_NOTE segment, plus an
/// empty <c>.note.GNU-stack</c> so linking it never asks for an executable stack. No symbols,
/// no relocations: the section table is null, the note, GNU-stack and the section name table.
/// </summary>
internal static class WatermarkObjectWriter
{
    private const ushort TypeRelocatable = 1;
    private const uint SectionTypeProgBits = 1;
    private const uint SectionTypeStringTable = 3;
    private const uint SectionTypeNote = 7;
    private const ulong SectionFlagAlloc = 2;

    private const string GnuStackName = ".note.GNU-stack";
    private const string SectionNameTableName = ".shstrtab";
    private const ushort SectionCount = 4;
    private const ushort SectionNameTableIndex = 3;

    public static byte[] Write(ElfTarget target, string uuid)
    {
        byte[] note = OgrtNote.Encode(uuid);
        byte[] names = Encoding.ASCII.GetBytes($"\0{OgrtNote.SectionName}\0{GnuStackName}\0{SectionNameTableName}\0");
        uint noteName = 1;
        uint gnuStackName = noteName + (uint)OgrtNote.SectionName.Length + 1;
        uint namesName = gnuStackName + (uint)GnuStackName.Length + 1;

        var layout = new Layout(target.Is64Bit);
        int noteOffset = layout.HeaderSize;                      // header sizes are multiples of 4
        int namesOffset = noteOffset + note.Length;              // note length is a multiple of 4
        int sectionTableOffset = Align(namesOffset + names.Length, layout.WordSize);
        var image = new byte[sectionTableOffset + SectionCount * layout.SectionHeaderSize];

        WriteHeader(image, target, layout, sectionTableOffset);
        note.CopyTo(image, noteOffset);
        names.CopyTo(image, namesOffset);

        var sections = image.AsSpan(sectionTableOffset);
        int size = layout.SectionHeaderSize;
        // Section 0 stays all zero (SHN_UNDEF).
        layout.WriteSectionHeader(sections.Slice(1 * size, size), noteName, SectionTypeNote, SectionFlagAlloc,
            noteOffset, note.Length, alignment: 4);
        layout.WriteSectionHeader(sections.Slice(2 * size, size), gnuStackName, SectionTypeProgBits, 0,
            namesOffset, 0, alignment: 1);
        layout.WriteSectionHeader(sections.Slice(3 * size, size), namesName, SectionTypeStringTable, 0,
            namesOffset, names.Length, alignment: 1);
        return image;
    }

    private static void WriteHeader(Span<byte> image, ElfTarget target, Layout layout, int sectionTableOffset)
    {
        "\x7F"u8.CopyTo(image);
        "ELF"u8.CopyTo(image[1..]);
        image[4] = target.Is64Bit ? (byte)2 : (byte)1;           // EI_CLASS
        image[5] = 1;                                            // EI_DATA: little endian
        image[6] = 1;                                            // EI_VERSION: EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(image[16..], TypeRelocatable);
        BinaryPrimitives.WriteUInt16LittleEndian(image[18..], target.Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(image[20..], 1);    // e_version
        // e_entry and e_phoff are zero; e_shoff follows them; then e_flags (zero).
        int field = 24 + 2 * layout.WordSize;
        layout.WriteWord(image[field..], sectionTableOffset);
        field += layout.WordSize + 4;
        BinaryPrimitives.WriteUInt16LittleEndian(image[field..], (ushort)layout.HeaderSize);          // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(image[(field + 6)..], (ushort)layout.SectionHeaderSize); // e_shentsize
        BinaryPrimitives.WriteUInt16LittleEndian(image[(field + 8)..], SectionCount);                // e_shnum
        BinaryPrimitives.WriteUInt16LittleEndian(image[(field + 10)..], SectionNameTableIndex);      // e_shstrndx
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) & -alignment;

    /// <summary>Field sizes that differ between ELFCLASS32 and ELFCLASS64.</summary>
    private readonly record struct Layout(bool Is64Bit)
    {
        public int WordSize => Is64Bit ? 8 : 4;
        public int HeaderSize => Is64Bit ? 64 : 52;
        public int SectionHeaderSize => Is64Bit ? 64 : 40;

        public void WriteWord(Span<byte> destination, long value)
        {
            if (Is64Bit)
                BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)value);
            else
                BinaryPrimitives.WriteUInt32LittleEndian(destination, checked((uint)value));
        }

        // sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize
        public void WriteSectionHeader(Span<byte> header, uint name, uint type, ulong flags, int offset, int size, int alignment)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header, name);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], type);
            int field = 8;
            WriteWord(header[field..], (long)flags);
            field += 2 * WordSize;                               // sh_addr stays zero
            WriteWord(header[field..], offset);
            field += WordSize;
            WriteWord(header[field..], size);
            field += WordSize + 8;                               // sh_link, sh_info stay zero
            WriteWord(header[field..], alignment);
        }
    }
}
