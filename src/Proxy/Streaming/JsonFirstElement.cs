using System.Text.Json;

namespace LlmProxy.Streaming;

/// <summary>
/// Reads only the first object of a JSON array (the first choice, the first candidate): the gateway answers with one.
/// </summary>
internal static class JsonFirstElement
{
    /// <summary>
    /// With the reader on an array, moves it into the array's first object and returns true; otherwise skips the
    /// value (an empty array, not an array) and returns false.
    /// </summary>
    public static bool TryEnter(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }
        SkipRest(ref reader);
        return false;
    }

    /// <summary>From anywhere between the array's elements, skips the rest of it; leaves the reader on its end.</summary>
    public static void SkipRest(ref Utf8JsonReader reader)
    {
        while (reader.TokenType != JsonTokenType.EndArray && reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            reader.Skip();
        }
    }
}
