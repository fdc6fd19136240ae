namespace LlmProxy.Canonical;

/// <summary>
/// Token counts of one answer. <see cref="InputTokens"/> includes cached and cache-write tokens (OpenAI's
/// convention), so cost accounting can subtract them and price each kind exactly.
/// </summary>
internal readonly record struct TokenUsage(
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens = 0,
    long CacheWriteTokens = 0,
    long ReasoningTokens = 0)
{
    public long TotalTokens => InputTokens + OutputTokens;
}
