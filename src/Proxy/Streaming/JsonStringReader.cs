using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Runtime.InteropServices;
using System.Text.Unicode;

namespace LlmProxy.Streaming;

/// <summary>
/// Gives a provider's JSON string token as valid UTF-8 without allocating: in place when it has no escapes (nearly
/// always), else unescaped into a buffer reused from event to event. Text that is not Unicode (invalid UTF-8 bytes,
/// or a lone surrogate escape such as <c>\ud83d</c> from a model that cut an emoji in half) has U+FFFD in place of
/// the broken part, as a browser would show it, rather than failing the answer. A span is valid until the next call.
/// </summary>
internal sealed class JsonStringReader
{
    private byte[] _buffer = [];

    public ReadOnlySpan<byte> Read(scoped ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped && Utf8.IsValid(raw))
        {
            return raw;
        }
        // Unescaping never lengthens a string; a replacement (3 bytes) can stand for one invalid byte.
        if (_buffer.Length < 3 * raw.Length)
        {
            _buffer = new byte[Math.Max(3 * raw.Length, 256)];
        }
        if (reader.ValueIsEscaped)
        {
            try
            {
                var unescaped = _buffer.AsSpan(0, reader.CopyString(_buffer));
                if (Utf8.IsValid(unescaped))
                {
                    return unescaped;
                }
            }
            catch (InvalidOperationException)
            {
                // A lone surrogate escape: unescaped leniently below.
            }
        }
        return _buffer.AsSpan(0, Unescape(raw, _buffer));
    }

    /// <summary>A string token's value for a message meant for people (an error's text), never throwing: see <see cref="Read"/>.</summary>
    public static string ReadText(scoped ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return reader.GetString() ?? ""; // null, or InvalidOperationException for what is no string
        }
        try
        {
            return reader.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            var buffer = new byte[3 * reader.ValueSpan.Length];
            return Encoding.UTF8.GetString(buffer, 0, Unescape(reader.ValueSpan, buffer));
        }
    }

    /// <summary>As <see cref="ReadText(ref Utf8JsonReader)"/>, for a string of a parsed document.</summary>
    public static string ReadText(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return value.GetString() ?? ""; // null, or InvalidOperationException for what is no string
        }
        try
        {
            return value.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1]; // the raw value holds its quotes
            var buffer = new byte[3 * raw.Length];
            return Encoding.UTF8.GetString(buffer, 0, Unescape(raw, buffer));
        }
    }

    /// <summary>
    /// Raw JSON from a provider (a tool call's input object) as valid UTF-8: unchanged when it is, else with U+FFFD for
    /// each broken sequence. The JSON inside strings may still escape half a surrogate pair; clients parse that as JSON.
    /// </summary>
    public static ReadOnlySpan<byte> ValidUtf8(ReadOnlySpan<byte> json) =>
        Utf8.IsValid(json) ? json : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json));

    // JSON string escapes (RFC 8259, section 7) and raw UTF-8, with U+FFFD for a lone surrogate, an invalid byte or a
    // broken escape. Returns the bytes written.
    private static int Unescape(ReadOnlySpan<byte> raw, Span<byte> output)
    {
        var written = 0;
        var at = 0;
        while (at < raw.Length)
        {
            Rune rune;
            if (raw[at] != '\\')
            {
                var status = Rune.DecodeFromUtf8(raw[at..], out rune, out var consumed);
                at += consumed;
                written += (status == OperationStatus.Done ? rune : Rune.ReplacementChar).EncodeToUtf8(output[written..]);
                continue;
            }
            if (at + 1 >= raw.Length)
            {
                break;
            }
            var escape = raw[at + 1];
            at += 2;
            if (escape != 'u')
            {
                rune = escape switch
                {
                    (byte)'"' or (byte)'\\' or (byte)'/' => new Rune(escape),
                    (byte)'b' => new Rune('\b'),
                    (byte)'f' => new Rune('\f'),
                    (byte)'n' => new Rune('\n'),
                    (byte)'r' => new Rune('\r'),
                    (byte)'t' => new Rune('\t'),
                    _ => Rune.ReplacementChar,
                };
                written += rune.EncodeToUtf8(output[written..]);
                continue;
            }
            var unit = Hex4(raw, at);
            at += unit < 0 ? 0 : 4;
            if (char.IsHighSurrogate((char)unit) && at + 6 <= raw.Length && raw[at] == '\\' && raw[at + 1] == 'u'
                && Hex4(raw, at + 2) is var low and >= 0 && char.IsLowSurrogate((char)low))
            {
                rune = new Rune((char)unit, (char)low);
                at += 6;
            }
            else
            {
                rune = unit < 0 || char.IsSurrogate((char)unit) ? Rune.ReplacementChar : new Rune(unit);
            }
            written += rune.EncodeToUtf8(output[written..]);
        }
        return written;
    }

    private static int Hex4(ReadOnlySpan<byte> raw, int at)
    {
        var value = 0;
        for (var i = at; i < at + 4; i++)
        {
            if (i >= raw.Length || !char.IsAsciiHexDigit((char)raw[i]))
            {
                return -1;
            }
            var c = raw[i] | 0x20; // lower case for letters; digits keep their value
            value = value * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
        }
        return value;
    }
}
