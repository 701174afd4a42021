using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ogrt.Agent.Interop;

namespace Ogrt.Agent.Capture;

/// <summary>
/// The shared objects of the tracked process's link map (<c>dl_iterate_phdr</c>) with their
/// watermarks, for the fork path. Only the first <c>object_count</c> entries are the tracked
/// process's; what follows was loaded for the capture. The capture process shares the tracked
/// process's mount namespace, root and working directory, so <c>realpath</c> here resolves each
/// name as the process sees it. Left out, as upstream does: the main program (the first entry;
/// it is the record's binpath and signature) and the vDSO (no file: the entry whose segments
/// hold the address the kernel gives as AT_SYSINFO_EHDR).
/// </summary>
internal static unsafe class LoadedObjectList
{
    public static SharedObjectTable Capture(int objectCount, out ReadOnlySpan<byte> programSignature)
    {
        var visit = new Visit(Math.Max(objectCount, 0), Libc.getauxval(Libc.AT_SYSINFO_EHDR));
        var handle = GCHandle.Alloc(visit);
        try
        {
            Libc.dl_iterate_phdr(&VisitObject, (void*)GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        programSignature = new ReadOnlySpan<byte>(visit.ProgramSignature, visit.ProgramSignatureLength);
        return visit.Objects;
    }

    [UnmanagedCallersOnly]
    private static int VisitObject(DlPhdrInfo* info, nuint size, void* data)
    {
        // An exception must not unwind through libc's frames.
        try
        {
            var visit = (Visit)GCHandle.FromIntPtr((nint)data).Target!;
            return visit.Add(info) ? 0 : 1;
        }
        catch (Exception)
        {
            return 1;
        }
    }

    private sealed class Visit(int limit, nuint vdsoHeader)
    {
        private int _visited;

        public SharedObjectTable Objects { get; } = new();

        public byte* ProgramSignature;
        public int ProgramSignatureLength;

        /// <summary>Records one object; false once the tracked process's objects are all seen.</summary>
        public bool Add(DlPhdrInfo* info)
        {
            if (_visited >= limit)
                return false;
            bool isProgram = _visited == 0;
            _visited++;

            var signature = ElfNoteReader.FindSignature(info->Address, info->ProgramHeaders, info->ProgramHeaderCount);
            byte* signatureStart = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(signature));
            if (isProgram)
            {
                ProgramSignature = signatureStart;
                ProgramSignatureLength = signature.Length;
                return true;
            }
            byte* name = info->Name;
            if (name is null || *name == 0 || Holds(info, vdsoHeader))
                return true;
            Objects.Add(name, (int)Libc.strlen(name), RealPath(name), signatureStart, signature.Length);
            return true;
        }

        /// <summary>Whether one of the object's PT_LOAD segments holds <paramref name="address"/>.</summary>
        private static bool Holds(DlPhdrInfo* info, nuint address)
        {
            for (int i = 0; address != 0 && i < info->ProgramHeaderCount; i++)
            {
                ref readonly var header = ref info->ProgramHeaders[i];
                ulong start = (ulong)info->Address + header.VirtualAddress;
                if (header.Type == Libc.PT_LOAD && address >= start && address - start < header.MemorySize)
                    return true;
            }
            return false;
        }

        private static byte[]? RealPath(byte* name)
        {
            byte* resolved = stackalloc byte[Libc.PathMax];
            return Libc.realpath(name, resolved) is null ? null : MemoryMarshal.CreateReadOnlySpanFromNullTerminated(resolved).ToArray();
        }
    }
}
