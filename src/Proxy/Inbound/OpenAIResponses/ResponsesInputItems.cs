using System.Buffers;
using System.Text.Encodings.Web;
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
                foreach (var item in input.EnumerateArray())
                {
                    WriteItem(json, item);
                }
            }
            json.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteItem(Utf8JsonWriter json, JsonElement item)
    {
        var hasType = item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String;
        var isMessage = !hasType || type.ValueEquals("message"u8);
        json.WriteStartObject();
        if (!item.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            json.WriteString("id"u8, ResponseIds.New(isMessage ? "msg_" : "item_"));
        }
        if (!hasType)
        {
            json.WriteString("type"u8, "message"u8);
        }
        foreach (var property in item.EnumerateObject())
        {
            if (property.NameEquals("id"u8) && property.Value.ValueKind != JsonValueKind.String)
            {
                continue;
            }
            property.WriteTo(json);
        }
        json.WriteEndObject();
    }
}
