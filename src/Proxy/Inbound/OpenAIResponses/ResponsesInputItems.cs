using System.Buffers;
using System.Text.Encodings.Web;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// A request's <c>input</c> as the store keeps it and <c>GET /v1/responses/{id}/input_items</c> lists it: a JSON array
/// of items, each with an <c>id</c> (the client's, or a minted <c>msg_</c>/<c>item_</c> one) and a <c>type</c>; a
/// string input becomes one user message of <c>input_text</c>. Everything else of an item is kept as sent.
/// </summary>
internal static class ResponsesInputItems
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static byte[] Normalize(JsonElement input)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartArray();
            if (input.ValueKind == JsonValueKind.String)
            {
                json.WriteStartObject();
                json.WriteString("id"u8, ResponseIds.New("msg_"));
                json.WriteString("type"u8, "message"u8);
                json.WriteString("role"u8, "user"u8);
                json.WriteStartArray("content"u8);
                json.WriteStartObject();
                json.WriteString("type"u8, "input_text"u8);
                json.WritePropertyName("text"u8);
                input.WriteTo(json);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            else
            {
                HashSet<string>? ids = null;
                var index = 0;
                foreach (var item in input.EnumerateArray())
                {
                    // input_items pages by id: an empty or repeated one would make a cursor point nowhere or twice.
                    if (item.TryGetProperty("id"u8, out var id) && id.ValueKind == JsonValueKind.String
                        && (id.GetString() is not { Length: > 0 } text || !(ids ??= new HashSet<string>(StringComparer.Ordinal)).Add(text)))
                    {
                        throw new RequestFieldException($"input[{index}].id", $"'input[{index}].id' must be unique among the input's items and not empty.");
                    }
                    WriteItem(json, item);
                    index++;
                }
            }
            json.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    // The item's members are copied as raw JSON, never decoded and re-encoded: text the readers did not look at (an
    // annotation, a summary's type) goes to the store exactly as the client sent it, whatever it escapes.
    private static void WriteItem(Utf8JsonWriter json, JsonElement item)
    {
        var raw = JsonMarshal.GetRawUtf8Value(item);
        var hasId = item.TryGetProperty("id"u8, out _);
        var hasType = item.TryGetProperty("type"u8, out _);
        if (hasId && hasType)
        {
            json.WriteRawValue(raw, skipInputValidation: true);
            return;
        }
        var isMessage = !hasType || (item.TryGetProperty("type"u8, out var type) && type.ValueEquals("message"u8));
        var head = new ArrayBufferWriter<byte>(128);
        head.Write("{"u8);
        if (!hasId)
        {
            head.Write("\"id\":\""u8);
            head.Write(System.Text.Encoding.ASCII.GetBytes(ResponseIds.New(isMessage ? "msg_" : "item_")));
            head.Write("\","u8);
        }
        if (!hasType)
        {
            head.Write("\"type\":\"message\","u8);
        }
        // The item's own members after those, from the byte after its "{"; an object with none loses the last comma.
        var members = raw[1..].TrimStart(" \t\r\n"u8);
        var written = head.WrittenSpan;
        var joined = new byte[written.Length + members.Length];
        written.CopyTo(joined);
        members.CopyTo(joined.AsSpan(written.Length));
        if (members[0] == (byte)'}')
        {
            joined = [.. joined.AsSpan(0, written.Length - 1), (byte)'}'];
        }
        json.WriteRawValue(joined, skipInputValidation: true);
    }
}
