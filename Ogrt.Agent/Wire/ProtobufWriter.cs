using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Ogrt.Agent.Wire;

/// <summary>
/// Writes protobuf (proto2) fields into a caller-owned span. Callers size their writes with
/// the static *Size methods first; writing past the span is a programming error and throws.
/// </summary>
internal ref struct ProtobufWriter
{
    private const int WireTypeVarint = 0;
    private const int WireTypeLengthDelimited = 2;

    private readonly Span<byte> _buffer;
    private int _position;

    public ProtobufWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public static int VarintSize(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    public static int TagSize(int field) => VarintSize((uint)field << 3);

    /// <summary>Size of a length-delimited field (string, bytes, message) with this content length.</summary>
    public static int LengthDelimitedSize(int field, int contentLength) =>
        TagSize(field) + VarintSize((uint)contentLength) + contentLength;

    /// <summary>int32/int64 use plain varints; negative values take ten bytes (sign-extended).</summary>
    public static int Int64FieldSize(int field, long value) => TagSize(field) + VarintSize((ulong)value);

    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_position++] = (byte)value;
    }

    public void WriteInt64Field(int field, long value)
    {
        WriteVarint(((uint)field << 3) | WireTypeVarint);
        WriteVarint((ulong)value);
    }

    public void WriteUInt32Field(int field, uint value) => WriteInt64Field(field, value);

    public void WriteBoolField(int field, bool value) => WriteInt64Field(field, value ? 1 : 0);

    /// <summary>Starts a length-delimited field whose content the caller writes next.</summary>
    public void WriteLengthDelimitedHeader(int field, int contentLength)
    {
        WriteVarint(((uint)field << 3) | WireTypeLengthDelimited);
        WriteVarint((uint)contentLength);
    }

    /// <summary>A string field; invalid UTF-8 bytes are sent as '?' (see <see cref="ReplaceInvalidUtf8"/>).</summary>
    public void WriteTextField(int field, scoped ReadOnlySpan<byte> value)
    {
        WriteLengthDelimitedHeader(field, value.Length);
        WriteRaw(value);
        ReplaceInvalidUtf8(_buffer.Slice(_position - value.Length, value.Length));
    }

    /// <summary>
    /// Protobuf strings must be UTF-8 and Google.Protobuf rejects the whole message otherwise,
    /// but argv and environ are arbitrary bytes. Each byte of an invalid sequence becomes '?',
    /// which keeps every length the encoder planned with.
    /// </summary>
    public static void ReplaceInvalidUtf8(Span<byte> text)
    {
        if (Utf8.IsValid(text))
            return;
        while (!text.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(text, out _, out int consumed);
            if (status != OperationStatus.Done)
                text[..consumed].Fill((byte)'?');
            text = text[consumed..];
        }
    }

    /// <summary>
    /// Writes <paramref name="parts"/> joined by <paramref name="separator"/> as one
    /// length-delimited field of at most <paramref name="maxContentLength"/> bytes, cutting the
    /// tail at a UTF-8 boundary. Returns true if it had to cut.
    /// </summary>
    public bool WriteJoinedField(int field, IByteStringList parts, byte separator, int maxContentLength)
    {
        // The content goes after room for the longest header, then moves left once its final
        // length (and so the length of its varint) is known.
        int maxHeader = TagSize(field) + VarintSize((uint)maxContentLength);
        var content = _buffer.Slice(_position + maxHeader, maxContentLength);
        int length = 0;
        bool cut = false;
        for (int i = 0; i < parts.Count && !cut; i++)
        {
            if (i > 0)
            {
                if (length == content.Length)
                {
                    cut = true;
                    break;
                }
                content[length++] = separator;
            }
            var part = parts[i];
            int copied = Math.Min(part.Length, content.Length - length);
            part[..copied].CopyTo(content[length..]);
            length += copied;
            cut = copied < part.Length;
        }
        if (cut)
            length = Utf8Boundary.CompleteLength(content[..length]);

        ReplaceInvalidUtf8(content[..length]);
        int header = TagSize(field) + VarintSize((uint)length);
        content[..length].CopyTo(_buffer[(_position + header)..]);
        WriteLengthDelimitedHeader(field, length);
        _position += length;
        return cut;
    }

    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }

    public void WriteRawByte(byte value) => _buffer[_position++] = value;
}
