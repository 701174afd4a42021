namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// Reads the protobuf wire format from a span without allocating. Every read reports failure
/// with a false return instead of throwing, so garbage datagrams cost no exceptions.
/// </summary>
internal ref struct WireReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Bytes read so far.</summary>
    public readonly int Position => _position;

    /// <summary>Reads a field key. Field number 0 and the group wire types (3, 4) are invalid here.</summary>
    public bool TryReadTag(out int fieldNumber, out int wireType)
    {
        fieldNumber = 0;
        wireType = 0;
        if (!TryReadVarint(out ulong key) || key > uint.MaxValue)
            return false;
        fieldNumber = (int)(key >> 3);
        wireType = (int)(key & 7);
        return fieldNumber > 0 && wireType is Varint or Fixed64 or LengthDelimited or Fixed32;
    }

    public bool TryReadVarint(out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
                return false;
            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return true;
        }
        return false; // More than 10 bytes.
    }

    public bool TryReadLengthDelimited(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!TryReadVarint(out ulong length) || length > (ulong)(_data.Length - _position))
            return false;
        value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return true;
    }

    /// <summary>
    /// Measures the run of entries that shares the key just read, which starts at
    /// <paramref name="keyStart"/>: this length-delimited entry and those right after it with
    /// the same key bytes. Reads nothing; false when an entry is malformed (the caller then reads
    /// entry by entry and reports it) or the run exceeds <paramref name="maxLength"/> bytes or
    /// <paramref name="maxCount"/> entries (then it is not measured to its end).
    /// </summary>
    public readonly bool TryMeasureRun(int keyStart, int maxLength, int maxCount, out int runEnd, out int count)
    {
        var key = _data[keyStart.._position];
        var rest = new WireReader(_data) { _position = _position };
        count = 0;
        runEnd = 0;
        while (true)
        {
            if (!rest.TryReadLengthDelimited(out _) || ++count > maxCount || rest._position - keyStart > maxLength)
                return false;
            if (!_data[rest._position..].StartsWith(key))
            {
                runEnd = rest._position;
                return true;
            }
            rest._position += key.Length;
        }
    }

    /// <summary>Moves to <paramref name="position"/>, the end of a run <see cref="TryMeasureRun"/> measured.</summary>
    public void MoveTo(int position) => _position = position;

    /// <summary>Skips the value of a field this decoder does not know (newer agents add fields).</summary>
    public bool TrySkip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                return TryReadVarint(out _);
            case Fixed64:
                return TryAdvance(8);
            case Fixed32:
                return TryAdvance(4);
            case LengthDelimited:
                return TryReadLengthDelimited(out _);
            default:
                return false;
        }
    }

    private bool TryAdvance(int count)
    {
        if (_data.Length - _position < count)
            return false;
        _position += count;
        return true;
    }
}
