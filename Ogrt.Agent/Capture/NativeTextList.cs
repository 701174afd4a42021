using System.Runtime.InteropServices;
using Ogrt.Agent.Wire;

namespace Ogrt.Agent.Capture;

/// <summary>
/// Byte strings that live in native memory which outlives the capture (argv, environ, the
/// link map): only pointer and length are stored, nothing is copied.
/// </summary>
internal sealed unsafe class NativeTextList : IByteStringList
{
    private nint[] _starts;
    private int[] _lengths;

    public NativeTextList(int capacity)
    {
        _starts = new nint[Math.Max(capacity, 4)];
        _lengths = new int[_starts.Length];
    }

    public int Count { get; private set; }

    public ReadOnlySpan<byte> this[int index] =>
        (uint)index < (uint)Count
            ? new ReadOnlySpan<byte>((byte*)_starts[index], _lengths[index])
            : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The strings of a C array such as argv (a null entry counts as empty).</summary>
    public static NativeTextList FromArray(byte** items, int count)
    {
        var list = new NativeTextList(count);
        for (int i = 0; i < count; i++)
            list.AddNullTerminated(items[i]);
        return list;
    }

    /// <summary>
    /// The non-empty values of a separated list such as LOADEDMODULES; <paramref name="text"/>
    /// must be native (or pinned) memory, as only pointers are kept.
    /// </summary>
    public static NativeTextList FromSeparated(ReadOnlySpan<byte> text, byte separator)
    {
        var list = new NativeTextList(8);
        fixed (byte* start = text)
        {
            int offset = 0;
            while (offset < text.Length)
            {
                int length = text[offset..].IndexOf(separator);
                if (length < 0)
                    length = text.Length - offset;
                if (length > 0)
                    list.Add(start + offset, length);
                offset += length + 1;
            }
        }
        return list;
    }

    /// <summary>Forgets the strings (keeps the storage, for a list refilled per message).</summary>
    public void Clear() => Count = 0;

    public void AddNullTerminated(byte* text) =>
        Add(text, text is null ? 0 : MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text).Length);

    public void Add(byte* text, int length)
    {
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
        }
        _starts[Count] = (nint)text;
        _lengths[Count] = text is null ? 0 : length;
        Count++;
    }
}
