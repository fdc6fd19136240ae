using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Wire.OpenAI;

/// <summary>
/// Reads an OpenAI <c>usage</c> object: prompt and completion tokens, <c>prompt_tokens_details.cached_tokens</c>
/// and <c>completion_tokens_details.reasoning_tokens</c>. Unknown members (new details) are skipped.
/// </summary>
internal static class OpenAIUsageReader
{
    /// <summary>Reads from the reader positioned on the object's StartObject; leaves it on the matching EndObject.</summary>
    public static TokenUsage Read(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, cached = 0, reasoning = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                cached = ReadDetail(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reasoning = ReadDetail(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new TokenUsage(prompt, completion, cached, 0, reasoning);
    }

    /// <summary>Reads the value of a <c>usage</c> member (the reader is on its name): the counts, or null when it is null or not an object.</summary>
    public static TokenUsage? ReadMember(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        return Read(ref reader);
    }

    /// <summary>Reads a whole JSON document that is a usage object; null when it is not one.</summary>
    public static TokenUsage? ReadDocument(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject ? Read(ref reader) : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static long ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;
    }

    private static long ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }
        long result = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var wanted = reader.ValueTextEquals(name);
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
            {
                result = value;
            }
            reader.Skip();
        }
        return result;
    }
}
