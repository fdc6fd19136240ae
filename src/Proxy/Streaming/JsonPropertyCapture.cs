using System.Buffers;

namespace LlmProxy.Streaming;

/// <summary>
/// Watches a JSON document go by in chunks of any size and keeps a copy of one top-level property's object value
/// (e.g. <c>usage</c>), so a non-stream body can be piped to the client while its usage is read on the side.
/// Strings are skipped with a vectorised search; only the captured value is copied, and only up to a cap.
/// </summary>
internal sealed class JsonPropertyCapture(byte[] propertyName, int maxValueBytes = 16 * 1024)
{
    private static readonly SearchValues<byte> Structural = SearchValues.Create("\"{}[],:"u8);
    private static readonly SearchValues<byte> StringSpecial = SearchValues.Create("\"\\"u8);

    private readonly ArrayBufferWriter<byte> _value = new(256);
    private readonly byte[] _key = new byte[propertyName.Length + 1];
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _expectKey;
    private bool _collectingKey;
    private int _keyLength;
    private bool _keyMatches;
    private bool _awaitingValue;
    private bool _capturing;
    private bool _finished;

    /// <summary>True once the property's whole object value has gone by.</summary>
    public bool IsComplete { get; private set; }

    public ReadOnlySpan<byte> Value => IsComplete ? _value.WrittenSpan : default;

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        if (_finished)
        {
            return;
        }
        var captureFrom = 0;
        var i = 0;
        while (i < chunk.Length)
        {
            if (_inString)
            {
                i = ScanString(chunk, i);
                continue;
            }
            if (!_awaitingValue)
            {
                var next = chunk[i..].IndexOfAny(Structural);
                if (next < 0)
                {
                    break;
                }
                i += next;
            }
            var b = chunk[i];
            switch (b)
            {
                case (byte)'"':
                    _inString = true;
                    _collectingKey = _depth == 1 && _expectKey;
                    _keyLength = 0;
                    _awaitingValue = false;
                    break;
                case (byte)':':
                    _expectKey = false;
                    _awaitingValue = _depth == 1 && _keyMatches;
                    break;
                case (byte)',':
                    _expectKey = _depth == 1;
                    _keyMatches = false;
                    break;
                case (byte)'{' or (byte)'[':
                    if (_awaitingValue && b == (byte)'{')
                    {
                        _capturing = true;
                        captureFrom = i;
                    }
                    _awaitingValue = false;
                    _depth++;
                    _expectKey = _depth == 1;
                    break;
                case (byte)'}' or (byte)']':
                    _depth--;
                    if (_capturing && _depth == 1)
                    {
                        Append(chunk[captureFrom..(i + 1)]);
                        _capturing = false;
                        IsComplete = !_finished;
                        _finished = true;
                        return;
                    }
                    break;
                default:
                    // Any other non-blank byte while awaiting the value starts a scalar (null, a number): not an object.
                    if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                    {
                        _awaitingValue = false;
                    }
                    break;
            }
            i++;
        }
        if (_capturing)
        {
            Append(chunk[captureFrom..]);
        }
    }

    private int ScanString(ReadOnlySpan<byte> chunk, int i)
    {
        if (_escaped)
        {
            _escaped = false;
            CollectKeyByte(chunk[i]);
            return i + 1;
        }
        var next = chunk[i..].IndexOfAny(StringSpecial);
        var end = next < 0 ? chunk.Length : i + next;
        if (_collectingKey)
        {
            foreach (var b in chunk[i..end])
            {
                CollectKeyByte(b);
            }
        }
        if (next < 0)
        {
            return chunk.Length;
        }
        if (chunk[end] == (byte)'\\')
        {
            _escaped = true;
            CollectKeyByte((byte)'\\');
            return end + 1;
        }
        _inString = false;
        if (_collectingKey)
        {
            _collectingKey = false;
            _keyMatches = _keyLength == propertyName.Length && _key.AsSpan(0, _keyLength).SequenceEqual(propertyName);
        }
        return end + 1;
    }

    private void CollectKeyByte(byte b)
    {
        if (!_collectingKey)
        {
            return;
        }
        if (_keyLength < _key.Length)
        {
            _key[_keyLength] = b;
        }
        _keyLength = Math.Min(_keyLength + 1, _key.Length);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_value.WrittenCount + bytes.Length > maxValueBytes)
        {
            _capturing = false;
            _finished = true;
            return;
        }
        _value.Write(bytes);
    }
}
