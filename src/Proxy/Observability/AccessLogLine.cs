using System.Globalization;
using System.Text.Json;
using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// An access log line: one JSON object, keys in OpenAI's snake_case, fields absent rather than null when a request has
/// none (only proxied requests have tokens, cost and a deployment):
/// <c>{"time","request_id","method","path","status","latency_ms","key","team","alias","provider","deployment","dialect",
/// "stream","attempts","error","input_tokens","cached_input_tokens","cache_write_tokens","output_tokens",
/// "reasoning_tokens","cost_usd","estimated","ttft_ms","overhead_ms","client_disconnected"}</c>; the token buckets most
/// requests leave empty (<c>cached_input_tokens</c>, <c>cache_write_tokens</c>, <c>reasoning_tokens</c>) only when not 0,
/// the flags <c>estimated</c> and <c>client_disconnected</c> only when true (a fifth of a usual line's bytes, and bytes
/// are most of what writing it to a file costs; absent means 0 or false). Times are RFC 3339 UTC
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
        json.WriteString(Name.Time, Time(entry.TimeUnixMs, stackalloc byte[24]));
        json.WriteString(Name.RequestId, entry.RequestId);
        json.WriteString(Name.Method, entry.Method);
        json.WriteString(Name.Path, entry.Path);
        json.WriteNumber(Name.Status, entry.Status);
        WriteMilliseconds(json, Name.LatencyMs, entry.LatencyMs);
        if (entry.KeyName is { } key)
        {
            json.WriteString(Name.Key, key);
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
    private static void WriteMilliseconds(Utf8JsonWriter json, JsonEncodedText name, double milliseconds)
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
            json.WriteString(Name.Team, team);
        }
        json.WriteString(Name.Alias, usage.Model);
        if (usage.Provider is { } provider)
        {
            json.WriteString(Name.Provider, provider);
            json.WriteString(Name.Deployment, usage.DeploymentModel);
        }
        json.WriteString(Name.Dialect, usage.Dialect);
        json.WriteBoolean(Name.Stream, usage.Stream);
        json.WriteNumber(Name.Attempts, usage.Attempts);
        if (usage.ErrorClass is { } error)
        {
            json.WriteString(Name.Error, error);
        }
        var tokens = usage.Tokens;
        json.WriteNumber(Name.InputTokens, tokens.InputTokens);
        WriteUnlessZero(json, Name.CachedInputTokens, tokens.CachedInputTokens);
        WriteUnlessZero(json, Name.CacheWriteTokens, tokens.CacheWriteTokens);
        json.WriteNumber(Name.OutputTokens, tokens.OutputTokens);
        WriteUnlessZero(json, Name.ReasoningTokens, tokens.ReasoningTokens);
        UsageJson.WriteUsd(json, Name.CostUsd, usage.CostPicoUsd);
        if (usage.Estimated)
        {
            json.WriteBoolean(Name.Estimated, true);
        }
        if (usage.TimeToFirstTokenMs is { } ttft)
        {
            WriteMilliseconds(json, Name.TtftMs, ttft);
        }
        WriteMilliseconds(json, Name.OverheadMs, usage.OverheadMs);
        if (usage.ClientDisconnected)
        {
            json.WriteBoolean(Name.ClientDisconnected, true);
        }
    }

    private static void WriteUnlessZero(Utf8JsonWriter json, JsonEncodedText name, long value)
    {
        if (value != 0)
        {
            json.WriteNumber(name, value);
        }
    }

    // Property names encoded once: the writer then neither checks nor escapes them per line.
    private static class Name
    {
        public static readonly JsonEncodedText Time = JsonEncodedText.Encode("time"u8);
        public static readonly JsonEncodedText RequestId = JsonEncodedText.Encode("request_id"u8);
        public static readonly JsonEncodedText Method = JsonEncodedText.Encode("method"u8);
        public static readonly JsonEncodedText Path = JsonEncodedText.Encode("path"u8);
        public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status"u8);
        public static readonly JsonEncodedText LatencyMs = JsonEncodedText.Encode("latency_ms"u8);
        public static readonly JsonEncodedText Key = JsonEncodedText.Encode("key"u8);
        public static readonly JsonEncodedText Team = JsonEncodedText.Encode("team"u8);
        public static readonly JsonEncodedText Alias = JsonEncodedText.Encode("alias"u8);
        public static readonly JsonEncodedText Provider = JsonEncodedText.Encode("provider"u8);
        public static readonly JsonEncodedText Deployment = JsonEncodedText.Encode("deployment"u8);
        public static readonly JsonEncodedText Dialect = JsonEncodedText.Encode("dialect"u8);
        public static readonly JsonEncodedText Stream = JsonEncodedText.Encode("stream"u8);
        public static readonly JsonEncodedText Attempts = JsonEncodedText.Encode("attempts"u8);
        public static readonly JsonEncodedText Error = JsonEncodedText.Encode("error"u8);
        public static readonly JsonEncodedText InputTokens = JsonEncodedText.Encode("input_tokens"u8);
        public static readonly JsonEncodedText CachedInputTokens = JsonEncodedText.Encode("cached_input_tokens"u8);
        public static readonly JsonEncodedText CacheWriteTokens = JsonEncodedText.Encode("cache_write_tokens"u8);
        public static readonly JsonEncodedText OutputTokens = JsonEncodedText.Encode("output_tokens"u8);
        public static readonly JsonEncodedText ReasoningTokens = JsonEncodedText.Encode("reasoning_tokens"u8);
        public static readonly JsonEncodedText CostUsd = JsonEncodedText.Encode("cost_usd"u8);
        public static readonly JsonEncodedText Estimated = JsonEncodedText.Encode("estimated"u8);
        public static readonly JsonEncodedText TtftMs = JsonEncodedText.Encode("ttft_ms"u8);
        public static readonly JsonEncodedText OverheadMs = JsonEncodedText.Encode("overhead_ms"u8);
        public static readonly JsonEncodedText ClientDisconnected = JsonEncodedText.Encode("client_disconnected"u8);
    }
}
