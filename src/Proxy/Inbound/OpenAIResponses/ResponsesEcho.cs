using System.Text.Json;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The request parameters a Response object repeats (https://platform.openai.com/docs/api-reference/responses/object):
/// each kept as the client's raw JSON value (a slice of the request body, which outlives every answer written from it),
/// or empty for OpenAI's default, so the answer echoes exactly what was sent.
/// </summary>
internal sealed class ResponsesEcho
{
    public ReadOnlyMemory<byte> Instructions { get; set; }
    public ReadOnlyMemory<byte> MaxOutputTokens { get; set; }
    public ReadOnlyMemory<byte> MaxToolCalls { get; set; }
    public ReadOnlyMemory<byte> ParallelToolCalls { get; set; }
    public ReadOnlyMemory<byte> Reasoning { get; set; }
    public ReadOnlyMemory<byte> ServiceTier { get; set; }
    public ReadOnlyMemory<byte> Temperature { get; set; }
    public ReadOnlyMemory<byte> Text { get; set; }
    public ReadOnlyMemory<byte> ToolChoice { get; set; }
    public ReadOnlyMemory<byte> Tools { get; set; }
    public ReadOnlyMemory<byte> TopLogprobs { get; set; }
    public ReadOnlyMemory<byte> TopP { get; set; }
    public ReadOnlyMemory<byte> Truncation { get; set; }
    public ReadOnlyMemory<byte> User { get; set; }
    public ReadOnlyMemory<byte> Metadata { get; set; }
    public ReadOnlyMemory<byte> PromptCacheKey { get; set; }
    public ReadOnlyMemory<byte> SafetyIdentifier { get; set; }

    /// <summary>
    /// Sets the echo of a root member from its value in <paramref name="body"/>; false for a member not echoed.
    /// <paramref name="name"/> is the member's name as sent (UTF-8, unescaped by the caller when it held escapes).
    /// </summary>
    public bool TryTake(ReadOnlySpan<byte> name, JsonElement value, ReadOnlyMemory<byte> body)
    {
        var raw = value.ValueKind == JsonValueKind.Null ? default : RequestJson.RawSlice(value, body);
        if (name.SequenceEqual("instructions"u8)) Instructions = raw;
        else if (name.SequenceEqual("max_output_tokens"u8)) MaxOutputTokens = raw;
        else if (name.SequenceEqual("max_tool_calls"u8)) MaxToolCalls = raw;
        else if (name.SequenceEqual("parallel_tool_calls"u8)) ParallelToolCalls = raw;
        else if (name.SequenceEqual("reasoning"u8)) Reasoning = raw;
        else if (name.SequenceEqual("service_tier"u8)) ServiceTier = raw;
        else if (name.SequenceEqual("temperature"u8)) Temperature = raw;
        else if (name.SequenceEqual("text"u8)) Text = raw;
        else if (name.SequenceEqual("tool_choice"u8)) ToolChoice = raw;
        else if (name.SequenceEqual("tools"u8)) Tools = raw;
        else if (name.SequenceEqual("top_logprobs"u8)) TopLogprobs = raw;
        else if (name.SequenceEqual("top_p"u8)) TopP = raw;
        else if (name.SequenceEqual("truncation"u8)) Truncation = raw;
        else if (name.SequenceEqual("user"u8)) User = raw;
        else if (name.SequenceEqual("metadata"u8)) Metadata = raw;
        else if (name.SequenceEqual("prompt_cache_key"u8)) PromptCacheKey = raw;
        else if (name.SequenceEqual("safety_identifier"u8)) SafetyIdentifier = raw;
        else return false;
        return true;
    }

    /// <summary>Copies every echoed value out of the request body, for an exchange that outlives its request (a background run's).</summary>
    public void Detach()
    {
        Instructions = Instructions.ToArray();
        MaxOutputTokens = MaxOutputTokens.ToArray();
        MaxToolCalls = MaxToolCalls.ToArray();
        ParallelToolCalls = ParallelToolCalls.ToArray();
        Reasoning = Reasoning.ToArray();
        ServiceTier = ServiceTier.ToArray();
        Temperature = Temperature.ToArray();
        Text = Text.ToArray();
        ToolChoice = ToolChoice.ToArray();
        Tools = Tools.ToArray();
        TopLogprobs = TopLogprobs.ToArray();
        TopP = TopP.ToArray();
        Truncation = Truncation.ToArray();
        User = User.ToArray();
        Metadata = Metadata.ToArray();
        PromptCacheKey = PromptCacheKey.ToArray();
        SafetyIdentifier = SafetyIdentifier.ToArray();
    }

    /// <summary>Writes every echoed member, with OpenAI's default where the client sent none.</summary>
    public void Write(Utf8JsonWriter json)
    {
        Member(json, "instructions"u8, Instructions, "null"u8);
        Member(json, "max_output_tokens"u8, MaxOutputTokens, "null"u8);
        Member(json, "max_tool_calls"u8, MaxToolCalls, "null"u8);
        Member(json, "parallel_tool_calls"u8, ParallelToolCalls, "true"u8);
        Member(json, "reasoning"u8, Reasoning, "{\"effort\":null,\"summary\":null}"u8);
        Member(json, "service_tier"u8, ServiceTier, "\"default\""u8);
        Member(json, "temperature"u8, Temperature, "1.0"u8);
        Member(json, "text"u8, Text, "{\"format\":{\"type\":\"text\"}}"u8);
        Member(json, "tool_choice"u8, ToolChoice, "\"auto\""u8);
        Member(json, "tools"u8, Tools, "[]"u8);
        Member(json, "top_logprobs"u8, TopLogprobs, "0"u8);
        Member(json, "top_p"u8, TopP, "1.0"u8);
        Member(json, "truncation"u8, Truncation, "\"disabled\""u8);
        Member(json, "user"u8, User, "null"u8);
        Member(json, "metadata"u8, Metadata, "{}"u8);
        Member(json, "prompt_cache_key"u8, PromptCacheKey, "null"u8);
        Member(json, "safety_identifier"u8, SafetyIdentifier, "null"u8);
    }

    private static void Member(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlyMemory<byte> raw, ReadOnlySpan<byte> fallback)
    {
        json.WritePropertyName(name);
        json.WriteRawValue(raw.IsEmpty ? fallback : raw.Span, skipInputValidation: true);
    }
}
