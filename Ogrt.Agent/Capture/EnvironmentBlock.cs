using System.Runtime.InteropServices;

namespace Ogrt.Agent.Capture;

/// <summary>
/// A NULL-terminated <c>NAME=value</c> array: the environment the tracked process started
/// with, the only source of settings (the runtime's own environment APIs are never used).
/// </summary>
internal readonly unsafe struct EnvironmentBlock
{
    private readonly byte** _entries;

    public EnvironmentBlock(byte** entries)
    {
        _entries = entries;
    }

    /// <summary>The value of the first entry named <paramref name="name"/> (getenv semantics).</summary>
    public bool TryGetValue(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (_entries is null || name.IsEmpty)
            return false;
        for (byte** entry = _entries; *entry is not null; entry++)
        {
            byte* text = *entry;
            int i = 0;
            while (i < name.Length && text[i] == name[i])
                i++;
            if (i == name.Length && text[i] == (byte)'=')
            {
                value = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text + i + 1);
                return true;
            }
        }
        return false;
    }

    /// <summary>The value, or empty when unset.</summary>
    public ReadOnlySpan<byte> GetValue(ReadOnlySpan<byte> name) =>
        TryGetValue(name, out var value) ? value : default;

    /// <summary>Adds every entry whose name passes <paramref name="filter"/> to <paramref name="selected"/>.</summary>
    public void Select(Settings.EnvironmentCaptureFilter filter, NativeTextList selected)
    {
        if (_entries is null || filter.CapturesNothing)
            return;
        for (byte** entry = _entries; *entry is not null; entry++)
        {
            var text = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(*entry);
            int equals = text.IndexOf((byte)'=');
            if (filter.Matches(equals < 0 ? text : text[..equals]))
                selected.Add(*entry, text.Length);
        }
    }
}
