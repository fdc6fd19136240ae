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
    public static TokenUsage Read(ref Utf8JsonReader reader) => Read(ref reader, responses: false);

    /// <summary>
    /// Reads the Responses API's <c>usage</c> (<c>input_tokens</c>, <c>output_tokens</c> and their <c>_details</c>),
    /// the same counts under other names; the reader is on its StartObject.
    /// </summary>
    public static TokenUsage ReadResponses(ref Utf8JsonReader reader) => Read(ref reader, responses: true);

    /// <summary>Reads a whole JSON document that is a Responses API usage object; null when it is not one.</summary>
    public static TokenUsage? ReadResponsesDocument(ReadOnlySpan<byte> json) => ReadDocument(json, responses: true);

    private static TokenUsage Read(ref Utf8JsonReader reader, bool responses)
    {
        long prompt = 0, completion = 0, cached = 0, reasoning = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(responses ? "input_tokens"u8 : "prompt_tokens"u8))
            {
                prompt = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals(responses ? "output_tokens"u8 : "completion_tokens"u8))
            {
                completion = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals(responses ? "input_tokens_details"u8 : "prompt_tokens_details"u8))
            {
                cached = ReadDetail(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals(responses ? "output_tokens_details"u8 : "completion_tokens_details"u8))
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
    public static TokenUsage? ReadDocument(ReadOnlySpan<byte> json) => ReadDocument(json, responses: false);

    private static TokenUsage? ReadDocument(ReadOnlySpan<byte> json, bool responses)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject ? Read(ref reader, responses) : null;
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
