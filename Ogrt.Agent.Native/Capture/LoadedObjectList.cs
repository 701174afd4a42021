using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ogrt.Agent.Interop;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Capture;

/// <summary>
/// The objects of the tracked process's link map (<c>dl_iterate_phdr</c>) with their
/// watermarks. Only the first <c>object_count</c> entries are the tracked process's; what
/// follows was loaded for the capture. The main program (empty name) is reported under its
/// resolved executable path. Paths and signatures point into the link map and mapped notes.
/// </summary>
internal sealed unsafe class LoadedObjectList : ISharedObjectList
{
    private readonly NativeTextList _paths;
    private readonly NativeTextList _signatures;
    private readonly int _limit;
    private readonly byte* _executablePath;
    private int _visited;
    private int _executableIndex = -1;

    private LoadedObjectList(int limit, byte* executablePath)
    {
        _limit = limit;
        _executablePath = executablePath;
        _paths = new NativeTextList(Math.Min(limit, 64));
        _signatures = new NativeTextList(Math.Min(limit, 64));
    }

    public int Count => _paths.Count;

    /// <summary>The watermark of the main program, if it is in the list and has one.</summary>
    public ReadOnlySpan<byte> ExecutableSignature => _executableIndex >= 0 ? _signatures[_executableIndex] : default;

    public ReadOnlySpan<byte> PathAt(int index) => _paths[index];

    public ReadOnlySpan<byte> SignatureAt(int index) => _signatures[index];

    public static LoadedObjectList Capture(int objectCount, byte* executablePath)
    {
        var list = new LoadedObjectList(Math.Max(objectCount, 0), executablePath);
        var handle = GCHandle.Alloc(list);
        try
        {
            Libc.dl_iterate_phdr(&VisitObject, (void*)GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        return list;
    }

    [UnmanagedCallersOnly]
    private static int VisitObject(DlPhdrInfo* info, nuint size, void* data)
    {
        // An exception must not unwind through libc's frames.
        try
        {
            var list = (LoadedObjectList)GCHandle.FromIntPtr((nint)data).Target!;
            return list.Add(info) ? 0 : 1;
        }
        catch (Exception)
        {
            return 1;
        }
    }

    /// <summary>Records one object; false once the tracked process's objects are all seen.</summary>
    private bool Add(DlPhdrInfo* info)
    {
        if (_visited >= _limit)
            return false;
        bool isExecutable = _visited == 0;
        _visited++;

        byte* path = info->Name;
        if (path is null || *path == 0)
        {
            if (!isExecutable)
                return true;
            path = _executablePath;
        }
        var signature = ElfNoteReader.FindSignature(info->Address, info->ProgramHeaders, info->ProgramHeaderCount);
        if (isExecutable)
            _executableIndex = _paths.Count;
        _paths.AddNullTerminated(path);
        _signatures.Add((byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(signature)), signature.Length);
        return true;
    }
}
