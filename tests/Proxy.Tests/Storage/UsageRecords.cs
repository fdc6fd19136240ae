using LlmProxy.Canonical;
using LlmProxy.Usage;

namespace LlmProxy.Tests.Storage;

/// <summary>Ledger records for tests: a served request of key <c>key_1</c> ("dev", no team) unless a test says otherwise.</summary>
internal static class UsageRecords
{
    /// <summary>2026-06-01T00:00:00Z in Unix milliseconds, the start of a UTC day.</summary>
    public static readonly long Day1 = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public const long DayMs = 86_400_000;

    public static UsageRecord Make(long time, string keyId = "key_1", string keyName = "dev", string? teamId = null, string model = "gpt-4o-mini",
        string? provider = "oai", long cost = 1_000_000, long input = 10, long output = 5) =>
        new(time, keyId, keyName, teamId, model, provider, provider is null ? null : "gpt-4o-mini-2024-07-18", "chat.completions", 200, null,
            new TokenUsage(input, output, CachedInputTokens: 2, CacheWriteTokens: 1, ReasoningTokens: 3), cost, false, 120.5, 40.25, 0.75, 1, false, true);
}
