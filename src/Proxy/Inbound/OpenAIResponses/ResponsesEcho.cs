using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The request parameters a Response object repeats (https://platform.openai.com/docs/api-reference/responses/object):
/// each kept as the client's raw JSON value, or null for OpenAI's default, so the answer echoes exactly what was sent.
/// </summary>
internal sealed class ResponsesEcho
{
    public string? Instructions { get; set; }
    public string? MaxOutputTokens { get; set; }
    public string? MaxToolCalls { get; set; }
    public string? ParallelToolCalls { get; set; }
    public string? Reasoning { get; set; }
    public string? ServiceTier { get; set; }
    public string? Temperature { get; set; }
    public string? Text { get; set; }
    public string? ToolChoice { get; set; }
    public string? Tools { get; set; }
    public string? TopLogprobs { get; set; }
    public string? TopP { get; set; }
    public string? Truncation { get; set; }
    public string? User { get; set; }
    public string? Metadata { get; set; }
    public string? PromptCacheKey { get; set; }
    public string? SafetyIdentifier { get; set; }

    /// <summary>Sets the echo of the root member <paramref name="name"/> from its value; false for a member not echoed.</summary>
    public bool TryTake(string name, JsonElement value)
    {
        var raw = value.ValueKind == JsonValueKind.Null ? null : value.GetRawText();
        switch (name)
        {
            case "instructions": Instructions = raw; break;
            case "max_output_tokens": MaxOutputTokens = raw; break;
            case "max_tool_calls": MaxToolCalls = raw; break;
            case "parallel_tool_calls": ParallelToolCalls = raw; break;
            case "reasoning": Reasoning = raw; break;
            case "service_tier": ServiceTier = raw; break;
            case "temperature": Temperature = raw; break;
            case "text": Text = raw; break;
            case "tool_choice": ToolChoice = raw; break;
            case "tools": Tools = raw; break;
            case "top_logprobs": TopLogprobs = raw; break;
            case "top_p": TopP = raw; break;
            case "truncation": Truncation = raw; break;
            case "user": User = raw; break;
            case "metadata": Metadata = raw; break;
            case "prompt_cache_key": PromptCacheKey = raw; break;
            case "safety_identifier": SafetyIdentifier = raw; break;
            default: return false;
        }
        return true;
    }

    /// <summary>Writes every echoed member, with OpenAI's default where the client sent none.</summary>
    public void Write(Utf8JsonWriter json)
    {
        Member(json, "instructions"u8, Instructions, "null");
        Member(json, "max_output_tokens"u8, MaxOutputTokens, "null");
        Member(json, "max_tool_calls"u8, MaxToolCalls, "null");
        Member(json, "parallel_tool_calls"u8, ParallelToolCalls, "true");
        Member(json, "reasoning"u8, Reasoning, "{\"effort\":null,\"summary\":null}");
        Member(json, "service_tier"u8, ServiceTier, "\"default\"");
        Member(json, "temperature"u8, Temperature, "1.0");
        Member(json, "text"u8, Text, "{\"format\":{\"type\":\"text\"}}");
        Member(json, "tool_choice"u8, ToolChoice, "\"auto\"");
        Member(json, "tools"u8, Tools, "[]");
        Member(json, "top_logprobs"u8, TopLogprobs, "0");
        Member(json, "top_p"u8, TopP, "1.0");
        Member(json, "truncation"u8, Truncation, "\"disabled\"");
        Member(json, "user"u8, User, "null");
        Member(json, "metadata"u8, Metadata, "{}");
        Member(json, "prompt_cache_key"u8, PromptCacheKey, "null");
        Member(json, "safety_identifier"u8, SafetyIdentifier, "null");
    }

    private static void Member(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? raw, string fallback)
    {
        json.WritePropertyName(name);
        RawJson.Write(json, raw ?? fallback);
    }
}
