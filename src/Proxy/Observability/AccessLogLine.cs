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
/// nothing of a request's body or headers is in it but what the ledger records.
/// </summary>
internal static class AccessLogLine
{
    public static void Write(Utf8JsonWriter json, AccessLogEntry entry)
    {
        json.WriteStartObject();
        Span<char> time = stackalloc char[24];
        DateTimeOffset.FromUnixTimeMilliseconds(entry.TimeUnixMs).UtcDateTime.TryFormat(time, out var length, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        json.WriteString("time"u8, time[..length]);
        json.WriteString("request_id"u8, entry.RequestId);
        json.WriteString("method"u8, entry.Method);
        json.WriteString("path"u8, entry.Path);
        json.WriteNumber("status"u8, entry.Status);
        json.WriteNumber("latency_ms"u8, Math.Round(entry.LatencyMs, 3));
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
            json.WriteNumber("ttft_ms"u8, Math.Round(ttft, 3));
        }
        json.WriteNumber("overhead_ms"u8, Math.Round(usage.OverheadMs, 3));
        json.WriteBoolean("client_disconnected"u8, usage.ClientDisconnected);
    }
}
