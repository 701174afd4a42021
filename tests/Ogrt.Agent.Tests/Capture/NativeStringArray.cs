using System.Runtime.InteropServices;
using System.Text;

namespace Ogrt.Agent.Tests.Capture;

/// <summary>
/// A NULL-terminated array of NUL-terminated strings in native memory, like the argv and
/// envp the gate hands to the capture. Freed on dispose.
/// </summary>
internal sealed unsafe class NativeStringArray : IDisposable
{
    private readonly nint[] _strings;

    public NativeStringArray(IReadOnlyList<string> values)
        : this(values.Select(Encoding.UTF8.GetBytes).ToList())
    {
    }

    public NativeStringArray(IReadOnlyList<byte[]> values)
    {
        _strings = new nint[values.Count];
        Pointer = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(nint));
        for (int i = 0; i < values.Count; i++)
        {
            byte* text = (byte*)NativeMemory.AllocZeroed((nuint)values[i].Length + 1);
            values[i].CopyTo(new Span<byte>(text, values[i].Length));
            _strings[i] = (nint)text;
            Pointer[i] = text;
        }
        Count = values.Count;
    }

    public byte** Pointer { get; }

    public int Count { get; }

    public void Dispose()
    {
        foreach (nint text in _strings)
            NativeMemory.Free((void*)text);
        NativeMemory.Free(Pointer);
    }
}
