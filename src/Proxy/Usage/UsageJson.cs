using System.Text.Json;

namespace LlmProxy.Usage;

/// <summary>
/// How usage reaches JSON wherever the proxy reports it (<c>/admin/usage</c>, <c>/v1/usage</c>, the access log): the
/// five token buckets in OpenAI's names, and costs as exact decimal numbers of USD (<see cref="PicoUsd.Format"/>).
/// </summary>
internal static class UsageJson
{
    public static void WriteTokens(Utf8JsonWriter json, long input, long cachedInput, long cacheWrite, long output, long reasoning)
    {
        json.WriteNumber("input_tokens"u8, input);
        json.WriteNumber("cached_input_tokens"u8, cachedInput);
        json.WriteNumber("cache_write_tokens"u8, cacheWrite);
        json.WriteNumber("output_tokens"u8, output);
        json.WriteNumber("reasoning_tokens"u8, reasoning);
    }

    /// <summary>A cost in 10^-12 USD, written as its exact USD number (no float in between).</summary>
    public static void WriteUsd(Utf8JsonWriter json, ReadOnlySpan<byte> name, Int128 picoUsd)
    {
        Span<byte> text = stackalloc byte[FixedPoint.MaxUtf8Length];
        json.WritePropertyName(name);
        json.WriteRawValue(text[..FixedPoint.WriteUtf8(picoUsd, PicoUsd.Decimals, text)], skipInputValidation: true);
    }
}
