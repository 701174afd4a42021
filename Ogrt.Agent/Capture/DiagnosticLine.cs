using Ogrt.Agent.Interop;

namespace Ogrt.Agent.Capture;

/// <summary>
/// One line for stderr under OGRT_DEBUG_INFO, assembled in a caller's buffer and written with
/// write(2): no System.Console, no strings. Overlong lines are cut.
/// </summary>
internal unsafe ref struct DiagnosticLine
{
    private readonly Span<byte> _buffer;
    private int _length;

    public DiagnosticLine(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
        Append("ogrt-capture: "u8);
    }

    public void Append(scoped ReadOnlySpan<byte> text)
    {
        int room = Math.Max(0, _buffer.Length - 1 - _length);
        var kept = text[..Math.Min(room, text.Length)];
        kept.CopyTo(_buffer[_length..]);
        _length += kept.Length;
    }

    public void Append(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        int start = digits.Length;
        ulong magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        do
        {
            digits[--start] = (byte)('0' + (int)(magnitude % 10));
            magnitude /= 10;
        } while (magnitude != 0);
        if (value < 0)
            Append("-"u8);
        Append(digits[start..]);
    }

    public void Append(scoped ReadOnlySpan<byte> name, bool value)
    {
        Append(name);
        Append(value ? "1"u8 : "0"u8);
    }

    /// <summary>Writes the line and a newline to stderr; errors are ignored.</summary>
    public void WriteToStandardError()
    {
        _buffer[_length++] = (byte)'\n';
        fixed (byte* start = _buffer)
        {
            int offset = 0;
            while (offset < _length)
            {
                nint written = Libc.write(2, start + offset, (nuint)(_length - offset));
                if (written <= 0)
                    return;
                offset += (int)written;
            }
        }
    }
}
