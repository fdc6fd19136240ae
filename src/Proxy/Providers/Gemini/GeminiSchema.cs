using System.Text.Json;

namespace LlmProxy.Providers.Gemini;

/// <summary>
/// Writes a JSON Schema cut down to the OpenAPI subset Gemini accepts for function parameters and response
/// schemas (https://ai.google.dev/api/caching#Schema): known keywords are kept, recursively; the rest
/// (<c>$schema</c>, <c>additionalProperties</c>, <c>$ref</c>, <c>default</c>, <c>oneOf</c>...) is dropped rather
/// than sent to fail the request. A type list such as <c>["string","null"]</c> becomes a type plus <c>nullable</c>.
/// </summary>
internal static class GeminiSchema
{
    public static void Write(Utf8JsonWriter json, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            json.WriteStartObject();
            json.WriteEndObject();
            return;
        }
        json.WriteStartObject();
        foreach (var property in schema.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "type" when value.ValueKind == JsonValueKind.Array:
                    WriteTypeList(json, value);
                    break;
                case "type" or "format" or "description" or "nullable" or "enum" or "required" or "minItems" or "maxItems"
                    or "minimum" or "maximum" or "minLength" or "maxLength" or "pattern" or "title" or "propertyOrdering":
                    property.WriteTo(json);
                    break;
                case "items":
                    json.WritePropertyName("items"u8);
                    Write(json, value);
                    break;
                case "anyOf" when value.ValueKind == JsonValueKind.Array:
                    json.WriteStartArray("anyOf"u8);
                    foreach (var option in value.EnumerateArray())
                    {
                        Write(json, option);
                    }
                    json.WriteEndArray();
                    break;
                case "properties" when value.ValueKind == JsonValueKind.Object:
                    json.WriteStartObject("properties"u8);
                    foreach (var member in value.EnumerateObject())
                    {
                        json.WritePropertyName(member.Name);
                        Write(json, member.Value);
                    }
                    json.WriteEndObject();
                    break;
            }
        }
        json.WriteEndObject();
    }

    private static void WriteTypeList(Utf8JsonWriter json, JsonElement types)
    {
        string? type = null;
        var nullable = false;
        foreach (var item in types.EnumerateArray())
        {
            var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (name == "null")
            {
                nullable = true;
            }
            else
            {
                type ??= name;
            }
        }
        if (type is not null)
        {
            json.WriteString("type"u8, type);
        }
        if (nullable)
        {
            json.WriteBoolean("nullable"u8, true);
        }
    }
}
