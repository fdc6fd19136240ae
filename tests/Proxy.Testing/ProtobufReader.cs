using System.Buffers.Binary;

namespace LlmProxy.Testing;

/// <summary>
/// A minimal reader of the protobuf wire format (https://protobuf.dev/programming-guides/encoding/): field tags, varints,
/// fixed 32/64-bit values and length-delimited fields (strings, bytes, nested messages). Enough to decode OTLP without the
/// generated classes; whatever it is not asked for it skips.
/// </summary>
public ref struct ProtobufReader(ReadOnlySpan<byte> buffer)
{
    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    /// <summary>The wire types of protobuf encoding.</summary>
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    /// <summary>Reads the next field's number and wire type; false at the end of the buffer.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        if (_position >= _buffer.Length)
        {
            (field, wireType) = (0, 0);
            return false;
        }
        var tag = ReadVarint();
        (field, wireType) = ((int)(tag >> 3), (int)(tag & 7));
        if (field == 0)
        {
            throw new FormatException($"field number 0 at byte {_position}");
        }
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _buffer.Length)
            {
                throw new FormatException("a varint runs past the end of the buffer");
            }
            var b = _buffer[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new FormatException("a varint longer than 10 bytes");
    }

    public ulong ReadFixed64()
    {
        var value = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        return value;
    }

    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    /// <summary>The payload of a length-delimited field: a string's UTF-8, bytes, or a nested message to read with a new reader.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited() => Take(checked((int)ReadVarint()));

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadLengthDelimited());

    /// <summary>Skips the value of a field of <paramref name="wireType"/>.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Take(8);
                break;
            case LengthDelimited:
                ReadLengthDelimited();
                break;
            case Fixed32:
                Take(4);
                break;
            default:
                throw new FormatException($"unsupported wire type {wireType} at byte {_position}");
        }
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || _position + length > _buffer.Length)
        {
            throw new FormatException($"a field of {length} bytes runs past the end of the buffer");
        }
        var slice = _buffer.Slice(_position, length);
        _position += length;
        return slice;
    }
}
