using System.Runtime.InteropServices;
using Ogrt.Agent.Capture;
using Ogrt.Agent.Interop;

namespace Ogrt.Agent.Service;

/// <summary>
/// The link map a gate sent, as the record reports it: each object's real path as the process
/// sees it (resolved in its root, names relative to its working directory joined to it first),
/// with the loader's name kept when it differs. Left out, as upstream does: the main program
/// (the link map's first entry; its watermark is the record's signature), unnamed entries and
/// the vDSO, the one entry glibc names by its soname: every object the loader opened from a
/// file carries the path it opened, which has a '/'.
/// </summary>
internal sealed unsafe class MessageObjectList(RealPathCache cache)
{
    private readonly SharedObjectTable _objects = new();
    private readonly byte[] _absoluteName = new byte[2 * Libc.PathMax];

    /// <summary>Fills the list from a message's (path, signature) pairs; returns it with the program's watermark.</summary>
    public SharedObjectTable Fill(byte** objects, int count, byte* workingDirectory, in ProcessRoot root, long now, out ReadOnlySpan<byte> programSignature)
    {
        _objects.Clear();
        programSignature = count > 0 ? Text(objects[1]) : default;
        var cwd = Text(workingDirectory);
        for (int i = 1; i < count; i++)
        {
            byte* name = objects[2 * i];
            var nameText = Text(name);
            if (nameText.IndexOf((byte)'/') < 0)
                continue;
            byte* signature = objects[2 * i + 1];
            _objects.Add(name, nameText.Length, RealPath(nameText, cwd, root, now), signature, (int)Libc.strlen(signature));
        }
        return _objects;
    }

    private byte[]? RealPath(ReadOnlySpan<byte> name, ReadOnlySpan<byte> cwd, in ProcessRoot root, long now)
    {
        if (name[0] == (byte)'/')
            return cache.RealPathOf(root, name, now);
        // A name relative to the working directory the process started in (e.g. ./libstamped.so).
        if (cwd.IsEmpty || cwd[0] != (byte)'/' || cwd.Length + 1 + name.Length > _absoluteName.Length)
            return null;
        cwd.CopyTo(_absoluteName);
        _absoluteName[cwd.Length] = (byte)'/';
        name.CopyTo(_absoluteName.AsSpan(cwd.Length + 1));
        return cache.RealPathOf(root, _absoluteName.AsSpan(0, cwd.Length + 1 + name.Length), now);
    }

    private static ReadOnlySpan<byte> Text(byte* text) => MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text);
}
