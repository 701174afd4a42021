using Ogrt.Agent.Interop;
using Ogrt.Protocol.Watermark;

namespace Ogrt.Agent.Capture;

/// <summary>
/// Reads the OGRT watermark of a loaded object from its PT_NOTE segments in memory, as
/// <c>dl_iterate_phdr</c> describes them (load address plus program headers); never from disk.
/// </summary>
internal static unsafe class ElfNoteReader
{
    /// <summary>
    /// The watermark UUID (a view into the object's mapped note), or empty if it has none.
    /// </summary>
    public static ReadOnlySpan<byte> FindSignature(nint loadAddress, ElfProgramHeader* headers, int headerCount)
    {
        for (int i = 0; headers is not null && i < headerCount; i++)
        {
            ref readonly var header = ref headers[i];
            if (header.Type != Libc.PT_NOTE || header.MemorySize == 0 || header.MemorySize > int.MaxValue
                || !IsLoaded(headers, headerCount, header.VirtualAddress, header.MemorySize))
                continue;
            var notes = new ReadOnlySpan<byte>((byte*)(loadAddress + (nint)header.VirtualAddress), (int)header.MemorySize);
            if (OgrtNote.TryFind(notes, out var uuid))
                return uuid;
        }
        return default;
    }

    /// <summary>
    /// Whether the range lies inside a PT_LOAD segment, i.e. is mapped: a PT_NOTE no PT_LOAD
    /// covers (a hand-made or edited ELF) is not in memory.
    /// </summary>
    private static bool IsLoaded(ElfProgramHeader* headers, int headerCount, ulong address, ulong size)
    {
        for (int i = 0; i < headerCount; i++)
        {
            ref readonly var load = ref headers[i];
            if (load.Type == Libc.PT_LOAD && address >= load.VirtualAddress && size <= load.MemorySize
                && address - load.VirtualAddress <= load.MemorySize - size)
                return true;
        }
        return false;
    }
}
