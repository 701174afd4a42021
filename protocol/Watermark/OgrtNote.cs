using System.Buffers.Binary;
using System.Text;

namespace Ogrt.Protocol.Watermark;

/// <summary>
/// The OGRT watermark as an ELF note (format of OGRT v0.4.1): name "OGRT\0", type
/// 0x4F475254, descriptor = version byte 0x01 followed by a NUL-terminated UUID string;
/// name and descriptor are each padded to 4 bytes. This file has no dependencies so the
/// agent and the CLI compile it in directly.
/// </summary>
public static class OgrtNote
{
    public const uint NoteType = 0x4F475254;
    public const byte Version = 0x01;
    public const string SectionName = ".note.ogrt.info";

    private static ReadOnlySpan<byte> Name => "OGRT\0"u8;
    private const int NoteHeaderSize = 12;

    /// <summary>The complete note (header, padded name, padded descriptor) for a UUID.</summary>
    public static byte[] Encode(string uuid)
    {
        ArgumentNullException.ThrowIfNull(uuid);
        int descriptorSize = 1 + Encoding.ASCII.GetByteCount(uuid) + 1;
        var note = new byte[NoteHeaderSize + Align4(Name.Length) + Align4(descriptorSize)];
        BinaryPrimitives.WriteUInt32LittleEndian(note, (uint)Name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(note.AsSpan(4), (uint)descriptorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(note.AsSpan(8), NoteType);
        Name.CopyTo(note.AsSpan(NoteHeaderSize));
        int descriptor = NoteHeaderSize + Align4(Name.Length);
        note[descriptor] = Version;
        Encoding.ASCII.GetBytes(uuid, note.AsSpan(descriptor + 1));
        return note;
    }

    /// <summary>
    /// Finds the OGRT note in the contents of a note section or PT_NOTE segment (little-endian
    /// ELF, 4-byte aligned notes) and returns its UUID bytes (without the terminating NUL).
    /// Malformed or foreign notes are skipped; a truncated list ends the search.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> notes, out ReadOnlySpan<byte> uuid)
    {
        uuid = default;
        while (notes.Length >= NoteHeaderSize)
        {
            uint nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes);
            uint descriptorSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[4..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(notes[8..]);
            long nameEnd = NoteHeaderSize + Align4(nameSize);
            long end = nameEnd + Align4(descriptorSize);
            if (end > notes.Length)
                return false;

            if (type == NoteType && notes.Slice(NoteHeaderSize, (int)nameSize).SequenceEqual(Name)
                && TryReadDescriptor(notes.Slice((int)nameEnd, (int)descriptorSize), out uuid))
                return true;

            notes = notes[(int)end..];
        }
        return false;
    }

    private static bool TryReadDescriptor(ReadOnlySpan<byte> descriptor, out ReadOnlySpan<byte> uuid)
    {
        uuid = default;
        if (descriptor.Length < 2 || descriptor[0] != Version)
            return false;
        var text = descriptor[1..];
        int terminator = text.IndexOf((byte)0);
        uuid = terminator < 0 ? text : text[..terminator];
        return uuid.Length > 0;
    }

    private static int Align4(int size) => (size + 3) & ~3;

    private static long Align4(uint size) => ((long)size + 3) & ~3L;
}
