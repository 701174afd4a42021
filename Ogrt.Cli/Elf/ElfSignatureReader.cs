using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Ogrt.Cli.Interop;
using Ogrt.Protocol.Watermark;

namespace Ogrt.Cli.Elf;

/// <summary>
/// Reads the OGRT signature of an ELF file on disk without loading it: the ELF header, the
/// program header table and the PT_NOTE segments, each with one positioned read. Files with
/// no program headers (relocatable objects) are searched through their SHT_NOTE sections.
/// Supports little-endian ELF32 and ELF64 of any machine; big-endian files are reported as
/// unsupported. One instance reuses its buffers; it is not thread-safe.
/// </summary>
internal sealed class ElfSignatureReader
{
    private const ushort ExtendedNumbering = 0xFFFF;  // PN_XNUM

    // Header tables and note areas larger than this are not produced by real linkers; a file
    // claiming them is malformed, and refusing keeps a hostile file from costing a huge read.
    private const long MaxTableBytes = 1 << 20;
    private const long MaxNoteBytes = 1 << 20;

    // Tables and notes get separate buffers: notes are read while a table is being walked.
    private byte[] _tableBuffer = new byte[4096];
    private byte[] _noteBuffer = new byte[1024];

    public SignatureResult Read(string path)
    {
        if (!FileStatus.TryGet(path, out var status, out int errno))
            return SignatureResult.Unreadable(Marshal.GetPInvokeErrorMessage(errno));
        if (status.IsDirectory)
            return SignatureResult.Unreadable("is a directory");
        if (!status.IsRegularFile)
            return SignatureResult.Unreadable("not a regular file");   // a FIFO would block, a device never end

        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return ReadSignature(file);
        }
        catch (InvalidElfException e)
        {
            return SignatureResult.Unreadable(e.Message);
        }
        catch (UnauthorizedAccessException)
        {
            return SignatureResult.Unreadable("permission denied");
        }
        catch (IOException e)
        {
            return SignatureResult.Unreadable(e.Message);
        }
    }

    private SignatureResult ReadSignature(SafeFileHandle file)
    {
        var header = ReadHeader(file);
        var layout = header.ProgramHeaderCount > 0 ? NoteTableLayout.ProgramHeaders(header) : NoteTableLayout.Sections(header);
        var table = ReadTable(file, layout.TableOffset, layout.Count, layout.EntrySize, layout.MinimumEntrySize, layout.What);
        for (int i = 0; i < layout.Count; i++)
        {
            var entry = table.Slice(i * layout.EntrySize, layout.EntrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(entry[layout.TypeField..]) != layout.NoteType)
                continue;
            long offset = ReadWord(entry, layout.OffsetField, header.Is64Bit);
            long size = ReadWord(entry, layout.SizeField, header.Is64Bit);
            if (FindInNotes(file, offset, size, layout.NoteWhat) is { } found)
                return found;
        }
        return SignatureResult.NotFound;
    }

    private ElfHeader ReadHeader(SafeFileHandle file)
    {
        var bytes = ReadExactly(file, ref _tableBuffer, 0, 64, allowShort: true);
        if (bytes.Length < 4 || !bytes.StartsWith("\x7F"u8) || !bytes[1..].StartsWith("ELF"u8))
            throw new InvalidElfException("not an ELF file");
        if (bytes.Length < 16)
            throw new InvalidElfException("truncated ELF header");
        bool is64Bit = bytes[4] switch
        {
            1 => false,
            2 => true,
            _ => throw new InvalidElfException($"unknown ELF class {bytes[4]}"),
        };
        if (bytes[5] == 2)
            throw new InvalidElfException("big-endian ELF is not supported");
        if (bytes[5] != 1)
            throw new InvalidElfException($"unknown ELF data encoding {bytes[5]}");
        if (bytes.Length < (is64Bit ? 64 : 52))
            throw new InvalidElfException("truncated ELF header");

        // e_phoff and e_shoff are words at 0x1C/0x20 (ELF32) or 0x20/0x28 (ELF64); the 16-bit
        // e_phentsize, e_phnum, e_shentsize and e_shnum follow e_flags and e_ehsize.
        var counts = bytes[(is64Bit ? 54 : 42)..];
        var header = new ElfHeader(is64Bit,
            ReadWord(bytes, is64Bit ? 32 : 28, is64Bit),
            BinaryPrimitives.ReadUInt16LittleEndian(counts), BinaryPrimitives.ReadUInt16LittleEndian(counts[2..]),
            ReadWord(bytes, is64Bit ? 40 : 32, is64Bit),
            BinaryPrimitives.ReadUInt16LittleEndian(counts[4..]), BinaryPrimitives.ReadUInt16LittleEndian(counts[6..]));
        return ResolveExtendedNumbering(file, header);
    }

    /// <summary>
    /// With more than 0xFFFE program headers (or 0xFF00 sections), the real counts live in
    /// section 0: sh_info and sh_size.
    /// </summary>
    private ElfHeader ResolveExtendedNumbering(SafeFileHandle file, ElfHeader header)
    {
        bool manyProgramHeaders = header.ProgramHeaderCount == ExtendedNumbering;
        bool manySections = header.SectionHeaderCount == 0 && header.SectionHeaderOffset != 0;
        if (!manyProgramHeaders && !manySections)
            return header;
        if (header.SectionHeaderOffset == 0)
            throw new InvalidElfException("extended program header count without a section header table");

        var sections = NoteTableLayout.Sections(header);
        var first = ReadTable(file, header.SectionHeaderOffset, 1, header.SectionHeaderSize, sections.MinimumEntrySize, sections.What);
        long sectionCount = ReadWord(first, sections.SizeField, header.Is64Bit);
        uint programCount = BinaryPrimitives.ReadUInt32LittleEndian(first[(header.Is64Bit ? 44 : 28)..]);
        return header with
        {
            ProgramHeaderCount = manyProgramHeaders ? CheckedCount(programCount, "program header") : header.ProgramHeaderCount,
            SectionHeaderCount = manySections ? CheckedCount(sectionCount, "section header") : header.SectionHeaderCount,
        };
    }

    private static int CheckedCount(long count, string what) =>
        count <= MaxTableBytes ? (int)count : throw new InvalidElfException($"implausible {what} count {count}");

    private ReadOnlySpan<byte> ReadTable(SafeFileHandle file, long offset, int count, int entrySize, int minimumEntrySize, string what)
    {
        if (count == 0)
            return [];
        if (entrySize < minimumEntrySize)
            throw new InvalidElfException($"invalid {what} entry size {entrySize}");
        long bytes = (long)count * entrySize;
        if (bytes > MaxTableBytes || offset < 0)
            throw new InvalidElfException($"implausible {what} table ({count} entries at offset {offset})");
        return ReadExactly(file, ref _tableBuffer, offset, (int)bytes, allowShort: false, what + " table");
    }

    private SignatureResult? FindInNotes(SafeFileHandle file, long offset, long size, string what)
    {
        if (size <= 0)
            return null;
        if (size > MaxNoteBytes || offset < 0)
            throw new InvalidElfException($"implausible {what} ({size} bytes at offset {offset})");
        var notes = ReadExactly(file, ref _noteBuffer, offset, (int)size, allowShort: false, what);
        return OgrtNote.TryFind(notes, out var uuid)
            ? new SignatureResult(SignatureStatus.Found, Printable(uuid))
            : null;
    }

    private static ReadOnlySpan<byte> ReadExactly(SafeFileHandle file, ref byte[] buffer, long offset, int count, bool allowShort, string what = "ELF header")
    {
        if (buffer.Length < count)
            buffer = new byte[Math.Max(count, buffer.Length * 2)];
        int total = 0;
        while (total < count)
        {
            int read = RandomAccess.Read(file, buffer.AsSpan(total, count - total), offset + total);
            if (read == 0)
                break;
            total += read;
        }
        if (total < count && !allowShort)
            throw new InvalidElfException($"truncated ELF file ({what} extends beyond the end of the file)");
        return buffer.AsSpan(0, total);
    }

    /// <summary>An address-sized field: 4 bytes in ELF32, 8 in ELF64 (values above 2^63 read as negative, hence implausible).</summary>
    private static long ReadWord(ReadOnlySpan<byte> bytes, int offset, bool is64Bit) =>
        is64Bit ? (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[offset..]) : BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);

    /// <summary>The UUID as text with anything but printable ASCII escaped, so a crafted file
    /// cannot inject terminal control sequences into the output.</summary>
    private static string Printable(ReadOnlySpan<byte> uuid)
    {
        var text = new StringBuilder(uuid.Length);
        foreach (byte b in uuid)
        {
            if (b is >= 0x20 and < 0x7F and not (byte)'\\')
                text.Append((char)b);
            else
                text.Append($"\\x{b:x2}");
        }
        return text.ToString();
    }

    private readonly record struct ElfHeader(
        bool Is64Bit,
        long ProgramHeaderOffset, int ProgramHeaderSize, int ProgramHeaderCount,
        long SectionHeaderOffset, int SectionHeaderSize, int SectionHeaderCount);

    /// <summary>Where a header table is and where, in each entry, the type, file offset and size of a note area are.</summary>
    private readonly record struct NoteTableLayout(
        string What, string NoteWhat, long TableOffset, int Count, int EntrySize, int MinimumEntrySize,
        uint NoteType, int TypeField, int OffsetField, int SizeField)
    {
        // PT_NOTE: p_type at 0; p_offset at 4 (ELF32) or 8 (ELF64); p_filesz at 16 or 32.
        public static NoteTableLayout ProgramHeaders(ElfHeader h) => new("program header", "PT_NOTE segment",
            h.ProgramHeaderOffset, h.ProgramHeaderCount, h.ProgramHeaderSize, h.Is64Bit ? 56 : 32,
            NoteType: 4, TypeField: 0, OffsetField: h.Is64Bit ? 8 : 4, SizeField: h.Is64Bit ? 32 : 16);

        // SHT_NOTE: sh_type at 4; sh_offset at 16 (ELF32) or 24 (ELF64); sh_size at 20 or 32.
        public static NoteTableLayout Sections(ElfHeader h) => new("section header", "note section",
            h.SectionHeaderOffset, h.SectionHeaderCount, h.SectionHeaderSize, h.Is64Bit ? 64 : 40,
            NoteType: 7, TypeField: 4, OffsetField: h.Is64Bit ? 24 : 16, SizeField: h.Is64Bit ? 32 : 20);
    }
}
