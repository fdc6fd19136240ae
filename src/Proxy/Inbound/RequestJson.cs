using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>Typed reads of optional body fields for the canonical readers, failing with the field's path in the message.</summary>
internal static class RequestJson
{
    public static bool TryGet(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public static string? String(JsonElement obj, string name, string param) =>
        !TryGet(obj, name, out var value) ? null
        : value.ValueKind == JsonValueKind.String ? StringValue(value, param)
        : throw new RequestFieldException(param, $"'{param}' must be a string.");

    /// <summary>How the canonical readers parse a body: as deep as the envelope allowed, and no field given twice at any depth.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = RawJson.MaxDepth, AllowDuplicateProperties = false };

    public static GatewayError NotUnicode { get; } =
        GatewayError.BadRequest("The body holds a field name that is not valid Unicode text: invalid UTF-8 or an unpaired surrogate escape such as \\ud800.");

    /// <summary>
    /// A JSON string as text. Valid JSON may still escape half of a UTF-16 pair (<c>"\ud800"</c>, what a JavaScript
    /// string cut inside an emoji produces); that is no text a provider can take, so it is a 400 naming the field.
    /// </summary>
    public static string StringValue(JsonElement value, string param)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new RequestFieldException(param, NotUnicodeText(param));
        }
    }

    /// <summary>The reason a field's string is refused when it is not text (invalid UTF-8, or half of a surrogate pair).</summary>
    public static string NotUnicodeText(string param) =>
        $"'{param}' is not valid Unicode text: it holds invalid UTF-8 or an unpaired surrogate escape such as \\ud800.";

    public static double? Number(JsonElement obj, string name, string param, double min = double.MinValue, double max = double.MaxValue) =>
        !TryGet(obj, name, out var value) ? null
        : value.ValueKind != JsonValueKind.Number ? throw new RequestFieldException(param, $"'{param}' must be a number.")
        : value.GetDouble() is var number && number >= min && number <= max ? number
        : throw new RequestFieldException(param, $"'{param}' must be a number from {min} to {max}.");

    /// <summary>A content value, a string or an array of parts or blocks, as either; else a 400 naming it.</summary>
    public static JsonElement Content(JsonElement value, string param) =>
        value.ValueKind is JsonValueKind.String or JsonValueKind.Array ? value
        : throw new RequestFieldException(param, $"'{param}' must be a string or an array of content parts.");

    public static int? NonNegativeInt(JsonElement obj, string name, string param) =>
        !TryGet(obj, name, out var value) ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= 0 ? number
        : throw new RequestFieldException(param, $"'{param}' must be a whole number of 0 or more.");

    public static int? PositiveInt(JsonElement obj, string name, string param) =>
        !TryGet(obj, name, out var value) ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number > 0 ? number
        : throw new RequestFieldException(param, $"'{param}' must be a positive whole number.");

    public static bool? Bool(JsonElement obj, string name, string param) =>
        !TryGet(obj, name, out var value) ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw new RequestFieldException(param, $"'{param}' must be a boolean.");

    public static JsonElement Object(JsonElement value, string param) =>
        value.ValueKind == JsonValueKind.Object ? value : throw new RequestFieldException(param, $"'{param}' must be an object.");

    public static JsonElement Array(JsonElement value, string param) =>
        value.ValueKind == JsonValueKind.Array ? value : throw new RequestFieldException(param, $"'{param}' must be an array.");

    /// <summary>A tool's name: a string of at least one character (both APIs refuse an empty one).</summary>
    public static string ToolName(JsonElement obj, string param, string required) =>
        String(obj, "name", param) switch
        {
            null => throw new RequestFieldException(param, required),
            "" => throw new RequestFieldException(param, $"'{param}' must not be empty."),
            var name => name,
        };

    /// <summary>A string, or an array of strings (OpenAI's <c>stop</c>), as a list.</summary>
    public static IReadOnlyList<string>? Strings(JsonElement obj, string name, string param)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            return [StringValue(value, param)];
        }
        var list = new List<string>();
        foreach (var item in Array(value, param).EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? StringValue(item, param) : throw new RequestFieldException(param, $"'{param}' must hold strings."));
        }
        return list;
    }

    /// <summary>
    /// Content that is a string or an array of <c>{"type":"text","text"}</c> parts (and, where <paramref name="refusals"/>,
    /// an assistant's <c>{"type":"refusal","refusal"}</c> parts), as one text, parts joined by a newline so that words of
    /// separate blocks never run together.
    /// </summary>
    public static string Text(JsonElement content, string param, bool refusals = false)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return StringValue(content, param);
        }
        if (content.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return "";
        }
        var text = new StringBuilder();
        foreach (var part in Array(content, param).EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object ? String(part, "type", param + ".type") : null;
            var value = type == "text" ? String(part, "text", param + ".text") : type == "refusal" && refusals ? String(part, "refusal", param + ".refusal") : null;
            if (value is not null)
            {
                text.Append(text.Length > 0 ? "\n" : "").Append(value);
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// A JSON string's UTF-8 text as a slice of <paramref name="body"/>, the request body the document was parsed from
    /// (no copy: base64 images stay where they arrived); unescaped into its own array when the client escaped characters.
    /// </summary>
    public static ReadOnlyMemory<byte> Utf8(JsonElement value, string param, ReadOnlyMemory<byte> body)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new RequestFieldException(param, $"'{param}' must be a string.");
        }
        var inner = JsonMarshal.GetRawUtf8Value(value)[1..^1]; // the raw value holds its quotes
        if (inner.IndexOf((byte)'\\') >= 0)
        {
            return Encoding.UTF8.GetBytes(StringValue(value, param));
        }
        if (!System.Text.Unicode.Utf8.IsValid(inner))
        {
            throw new RequestFieldException(param, NotUnicodeText(param));
        }
        return SliceOf(body, inner);
    }

    /// <summary>A value's JSON text as it stands in <paramref name="body"/>, the request body the document was parsed from: no copy.</summary>
    public static ReadOnlyMemory<byte> RawSlice(JsonElement value, ReadOnlyMemory<byte> body) => SliceOf(body, JsonMarshal.GetRawUtf8Value(value));

    private static ReadOnlyMemory<byte> SliceOf(ReadOnlyMemory<byte> body, ReadOnlySpan<byte> inner)
    {
        var offset = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(body.Span), ref MemoryMarshal.GetReference(inner));
        return body.Slice(offset, inner.Length);
    }

    /// <summary>An image by URL; a <c>data:</c> URL becomes inline base64 with its media type.</summary>
    public static ImagePart Image(JsonElement url, string param, ReadOnlyMemory<byte> body)
    {
        var utf8 = Utf8(url, param, body);
        if (!IsDataUrl(utf8.Span))
        {
            // Only what a provider can fetch: an empty or javascript: URL would fail there, less clearly.
            var text = Encoding.UTF8.GetString(utf8.Span);
            return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
                ? new ImagePart(null, null, text)
                : throw new RequestFieldException(param, $"'{param}' must be an https URL or a base64 data URL (data:image/png;base64,...), not '{ErrorText.Quote(text)}'.");
        }
        var (mediaType, data) = DataUrl(utf8, param, "an https URL or a base64 data URL (data:image/png;base64,...)");
        return new ImagePart(mediaType, data, null);
    }

    /// <summary>A base64 <c>data:</c> URL's media type (null when it names none) and data; else a 400 saying the field must be <paramref name="expected"/>.</summary>
    public static (string? MediaType, InlineData Data) DataUrl(ReadOnlyMemory<byte> url, string param, string expected = "a base64 data URL (data:application/pdf;base64,...)")
    {
        var span = url.Span;
        var comma = span.IndexOf((byte)',');
        var header = comma < 0 || !IsDataUrl(span) ? default : span[5..comma];
        // RFC 2397: the scheme and ";base64" are case-insensitive, as browsers read them.
        if (header.Length < 7 || !Ascii.EqualsIgnoreCase(header[^7..], ";base64"u8))
        {
            throw new RequestFieldException(param, $"'{param}' must be {expected}.");
        }
        return (header.Length > 7 ? Encoding.UTF8.GetString(header[..^7]) : null, new InlineData(url[(comma + 1)..]));
    }

    private static bool IsDataUrl(ReadOnlySpan<byte> url) => url.Length >= 5 && Ascii.EqualsIgnoreCase(url[..5], "data:"u8);

    /// <summary>
    /// A JSON value carried as text (a tool's schema, a call's input): its names and strings must be text a provider can
    /// read, or it is a 400 naming where (<paramref name="param"/> and the path below it).
    /// </summary>
    public static string Raw(JsonElement value, string param)
    {
        // The body is valid UTF-8 already, so only an escaped surrogate can make it no text: walk (building paths)
        // only when one is there, not for every schema and call input of every request.
        if (MayEscapeASurrogate(JsonMarshal.GetRawUtf8Value(value)))
        {
            RequireUnicode(value, param);
        }
        return value.GetRawText();
    }

    // "\ud800" to "\udfff" in any case; an escaped backslash before it only costs a walk that finds nothing.
    private static bool MayEscapeASurrogate(ReadOnlySpan<byte> json)
    {
        var rest = json;
        while (rest.IndexOf("\\u"u8) is var at and >= 0)
        {
            if (at + 3 < rest.Length && rest[at + 2] is (byte)'d' or (byte)'D' && IsHexFrom8(rest[at + 3]))
            {
                return true;
            }
            rest = rest[(at + 2)..];
        }
        return false;
    }

    private static bool IsHexFrom8(byte digit) => digit is (byte)'8' or (byte)'9' or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    private static void RequireUnicode(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw new RequestFieldException(path, $"'{path}' holds a field name that is not valid Unicode text.");
                    }
                    RequireUnicode(property.Value, $"{path}.{name}");
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    RequireUnicode(item, $"{path}[{index++}]");
                }
                break;
            case JsonValueKind.String:
                StringValue(value, path);
                break;
        }
    }
}
