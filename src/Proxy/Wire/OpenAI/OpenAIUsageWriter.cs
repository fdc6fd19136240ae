using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Wire.OpenAI;

internal static class OpenAIUsageWriter
{
    /// <summary>Writes <c>"usage":{...}</c> as OpenAI does, details included.</summary>
    public static void Write(Utf8JsonWriter writer, in TokenUsage usage)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("prompt_tokens"u8, usage.InputTokens);
        writer.WriteNumber("completion_tokens"u8, usage.OutputTokens);
        writer.WriteNumber("total_tokens"u8, usage.TotalTokens);
        writer.WriteStartObject("prompt_tokens_details"u8);
        writer.WriteNumber("cached_tokens"u8, usage.CachedInputTokens);
        writer.WriteEndObject();
        writer.WriteStartObject("completion_tokens_details"u8);
        writer.WriteNumber("reasoning_tokens"u8, usage.ReasoningTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
