using System.Runtime.InteropServices;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Service;

/// <summary>
/// The link map a gate sent, as the encoder reads it: the same list the capture process
/// reports from its own image (the main program, which the link map names "", under its
/// executable path; other unnamed entries left out).
/// </summary>
internal sealed unsafe class MessageObjectList : ISharedObjectList
{
    private readonly List<nint> _paths = new(64);
    private readonly List<nint> _signatures = new(64);

    public int Count => _paths.Count;

    private byte* _executableSignature;

    /// <summary>The main program's watermark, if the first object is the program and has one.</summary>
    public ReadOnlySpan<byte> ExecutableSignature => _executableSignature is null ? default : Text(_executableSignature);

    public void Fill(byte** objects, int count, byte* executablePath)
    {
        _paths.Clear();
        _signatures.Clear();
        _executableSignature = null;
        for (int i = 0; i < count; i++)
        {
            byte* path = objects[2 * i];
            byte* signature = objects[2 * i + 1];
            if (*path == 0)
            {
                if (i != 0)
                    continue;
                path = executablePath;
                _executableSignature = signature;
            }
            _paths.Add((nint)path);
            _signatures.Add((nint)signature);
        }
    }

    public ReadOnlySpan<byte> PathAt(int index) => Text((byte*)_paths[index]);

    public ReadOnlySpan<byte> SignatureAt(int index) => Text((byte*)_signatures[index]);

    private static ReadOnlySpan<byte> Text(byte* text) => MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text);
}
