using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Wire.Anthropic;

/// <summary>
/// An Anthropic <c>usage</c> object as read, each count null when absent: a stream reports input in
/// <c>message_start</c> and the running output in <c>message_delta</c>, so the two are merged. Anthropic's
/// <c>input_tokens</c> excludes cache reads and writes; the canonical input includes them.
/// </summary>
internal readonly record struct AnthropicUsage(long? Input, long? Output, long? CacheRead, long? CacheWrite)
{
    public TokenUsage ToCanonical()
    {
        var cacheRead = CacheRead ?? 0;
        var cacheWrite = CacheWrite ?? 0;
        return new TokenUsage((Input ?? 0) + cacheRead + cacheWrite, Output ?? 0, cacheRead, cacheWrite);
    }

    /// <summary>This usage with every count <paramref name="later"/> reports replacing the earlier one.</summary>
    public AnthropicUsage MergeWith(in AnthropicUsage later) =>
        new(later.Input ?? Input, later.Output ?? Output, later.CacheRead ?? CacheRead, later.CacheWrite ?? CacheWrite);

    /// <summary>Reads from the reader positioned on the object's StartObject; leaves it on the matching EndObject.</summary>
    public static AnthropicUsage Read(ref Utf8JsonReader reader)
    {
        long? input = null, output = null, cacheRead = null, cacheWrite = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return default;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                input = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                output = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                cacheRead = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                cacheWrite = ReadCount(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new AnthropicUsage(input, output, cacheRead, cacheWrite);
    }

    /// <summary>Reads a whole JSON document that is a usage object into canonical counts; null when it is not one.</summary>
    public static TokenUsage? ReadDocument(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject ? Read(ref reader).ToCanonical() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Writes <c>"usage":{...}</c> as Anthropic does, from canonical counts.</summary>
    public static void Write(Utf8JsonWriter writer, in TokenUsage usage)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("input_tokens"u8, Math.Max(0, usage.InputTokens - usage.CachedInputTokens - usage.CacheWriteTokens));
        writer.WriteNumber("cache_creation_input_tokens"u8, usage.CacheWriteTokens);
        writer.WriteNumber("cache_read_input_tokens"u8, usage.CachedInputTokens);
        writer.WriteNumber("output_tokens"u8, usage.OutputTokens);
        writer.WriteEndObject();
    }

    // A null count (the API sends null for cache fields it did not use) reads as absent.
    private static long? ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
    }
}
