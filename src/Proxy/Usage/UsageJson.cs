using System.Text.Json;

namespace LlmProxy.Usage;

/// <summary>
/// How usage reaches JSON wherever the proxy reports it (<c>/admin/usage</c>, <c>/v1/usage</c>, the access log): the
/// five token buckets in OpenAI's names, and costs as exact decimal numbers of USD (<see cref="PicoUsd.Format"/>).
/// </summary>
internal static class UsageJson
{
    // Encoded once: the writer then neither checks nor escapes them per object (an access log line has five).
    private static readonly JsonEncodedText InputTokens = JsonEncodedText.Encode("input_tokens"u8);
    private static readonly JsonEncodedText CachedInputTokens = JsonEncodedText.Encode("cached_input_tokens"u8);
    private static readonly JsonEncodedText CacheWriteTokens = JsonEncodedText.Encode("cache_write_tokens"u8);
    private static readonly JsonEncodedText OutputTokens = JsonEncodedText.Encode("output_tokens"u8);
    private static readonly JsonEncodedText ReasoningTokens = JsonEncodedText.Encode("reasoning_tokens"u8);

    public static void WriteTokens(Utf8JsonWriter json, long input, long cachedInput, long cacheWrite, long output, long reasoning)
    {
        json.WriteNumber(InputTokens, input);
        json.WriteNumber(CachedInputTokens, cachedInput);
        json.WriteNumber(CacheWriteTokens, cacheWrite);
        json.WriteNumber(OutputTokens, output);
        json.WriteNumber(ReasoningTokens, reasoning);
    }

    /// <summary>A cost in 10^-12 USD, written as its exact USD number (no float in between).</summary>
    public static void WriteUsd(Utf8JsonWriter json, ReadOnlySpan<byte> name, Int128 picoUsd)
    {
        json.WritePropertyName(name);
        WriteUsdValue(json, picoUsd);
    }

    /// <summary>As the other overload, with a name encoded once.</summary>
    public static void WriteUsd(Utf8JsonWriter json, JsonEncodedText name, Int128 picoUsd)
    {
        json.WritePropertyName(name);
        WriteUsdValue(json, picoUsd);
    }

    private static void WriteUsdValue(Utf8JsonWriter json, Int128 picoUsd)
    {
        Span<byte> text = stackalloc byte[FixedPoint.MaxUtf8Length];
        json.WriteRawValue(text[..FixedPoint.WriteUtf8(picoUsd, PicoUsd.Decimals, text)], skipInputValidation: true);
    }
}
