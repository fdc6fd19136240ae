using System.Text;
using System.Text.Json;

namespace LlmProxy.Canonical;

/// <summary>
/// Writes tool call arguments, which OpenAI carries as JSON text and Anthropic as an object, as an object value.
/// Empty arguments (a call without parameters) and text that is not a JSON object (a model's broken output, which
/// the object-typed APIs would reject as a whole request) become <c>{}</c>.
/// </summary>
internal static class JsonArguments
{
    public static void WriteObject(Utf8JsonWriter json, string argumentsJson) => WriteObject(json, Encoding.UTF8.GetBytes(argumentsJson));

    public static void WriteObject(Utf8JsonWriter json, ReadOnlySpan<byte> argumentsJson)
    {
        if (IsObject(argumentsJson))
        {
            json.WriteRawValue(argumentsJson, skipInputValidation: true);
        }
        else
        {
            json.WriteStartObject();
            json.WriteEndObject();
        }
    }

    public static bool IsObject(string json) => IsObject(Encoding.UTF8.GetBytes(json));

    public static bool IsObject(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, RawJson.ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
