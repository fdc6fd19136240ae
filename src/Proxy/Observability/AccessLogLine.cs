using System.Globalization;
using System.Text.Json;
using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// An access log line: one JSON object, keys in OpenAI's snake_case, fields absent rather than null when a request has
/// none (only proxied requests have tokens, cost and a deployment):
/// <c>{"time","request_id","method","path","status","latency_ms","key","team","alias","provider","deployment","dialect",
/// "stream","attempts","error","input_tokens","cached_input_tokens","cache_write_tokens","output_tokens",
/// "reasoning_tokens","cost_usd","estimated","ttft_ms","overhead_ms","client_disconnected"}</c>. Times are RFC 3339 UTC
/// to the millisecond, durations milliseconds, <c>cost_usd</c> an exact decimal number. Never a secret, never a prompt:
/// nothing of a request's body or headers is in it but what the ledger records. One instance per writing thread: it keeps
/// the formatted second of the last line, which the next lines mostly share.
/// </summary>
internal sealed class AccessLogLine
{
    private readonly byte[] _second = new byte[20]; // "yyyy-MM-ddTHH:mm:ss."
    private long _secondUnix = long.MinValue;

    public void Write(Utf8JsonWriter json, in AccessLogEntry entry)
    {
        json.WriteStartObject();
        json.WriteString("time"u8, Time(entry.TimeUnixMs, stackalloc byte[24]));
        json.WriteString("request_id"u8, entry.RequestId);
        json.WriteString("method"u8, entry.Method);
        json.WriteString("path"u8, entry.Path);
        json.WriteNumber("status"u8, entry.Status);
        WriteMilliseconds(json, "latency_ms"u8, entry.LatencyMs);
        if (entry.KeyName is { } key)
        {
            json.WriteString("key"u8, key);
        }
        if (entry.Usage is { } usage)
        {
            WriteUsage(json, usage);
        }
        json.WriteEndObject();
    }

    // RFC 3339 UTC to the millisecond; the date and time of day formatted once a second.
    private ReadOnlySpan<byte> Time(long unixMs, Span<byte> text)
    {
        var second = Math.DivRem(unixMs, 1000, out var ms);
        if (ms < 0)
        {
            (second, ms) = (second - 1, ms + 1000);
        }
        if (second != _secondUnix)
        {
            DateTimeOffset.FromUnixTimeSeconds(second).UtcDateTime.TryFormat(_second, out _, "yyyy-MM-ddTHH:mm:ss.", CultureInfo.InvariantCulture);
            _secondUnix = second;
        }
        _second.CopyTo(text);
        text[20] = (byte)('0' + ms / 100);
        text[21] = (byte)('0' + ms / 10 % 10);
        text[22] = (byte)('0' + ms % 10);
        text[23] = (byte)'Z';
        return text;
    }

    // To the microsecond, as exact decimal text (812.346, 95.5, 3): no float formatting.
    private static void WriteMilliseconds(Utf8JsonWriter json, ReadOnlySpan<byte> name, double milliseconds)
    {
        Span<byte> text = stackalloc byte[FixedPoint.MaxUtf8Length];
        var microseconds = double.IsFinite(milliseconds) ? (long)Math.Round(milliseconds * 1000) : 0;
        json.WritePropertyName(name);
        json.WriteRawValue(text[..FixedPoint.WriteUtf8(microseconds, 3, text)], skipInputValidation: true);
    }

    private static void WriteUsage(Utf8JsonWriter json, UsageRecord usage)
    {
        if (usage.TeamId is { } team)
        {
            json.WriteString("team"u8, team);
        }
        json.WriteString("alias"u8, usage.Model);
        if (usage.Provider is { } provider)
        {
            json.WriteString("provider"u8, provider);
            json.WriteString("deployment"u8, usage.DeploymentModel);
        }
        json.WriteString("dialect"u8, usage.Dialect);
        json.WriteBoolean("stream"u8, usage.Stream);
        json.WriteNumber("attempts"u8, usage.Attempts);
        if (usage.ErrorClass is { } error)
        {
            json.WriteString("error"u8, error);
        }
        var tokens = usage.Tokens;
        UsageJson.WriteTokens(json, tokens.InputTokens, tokens.CachedInputTokens, tokens.CacheWriteTokens, tokens.OutputTokens, tokens.ReasoningTokens);
        UsageJson.WriteUsd(json, "cost_usd"u8, usage.CostPicoUsd);
        json.WriteBoolean("estimated"u8, usage.Estimated);
        if (usage.TimeToFirstTokenMs is { } ttft)
        {
            WriteMilliseconds(json, "ttft_ms"u8, ttft);
        }
        WriteMilliseconds(json, "overhead_ms"u8, usage.OverheadMs);
        json.WriteBoolean("client_disconnected"u8, usage.ClientDisconnected);
    }
}
