namespace LlmProxy.Storage;

/// <summary>
/// The sums of one group of ledger records. <paramref name="InputTokens"/> counts all input, cached and cache-write
/// included, as OpenAI counts; <paramref name="CostPicoUsd"/> is exact (10^-12 USD, summed without rounding).
/// <paramref name="Name"/>: the key's or team's latest name for those groupings, else null.
/// </summary>
internal sealed record UsageTotals(
    string? Group,
    string? Name,
    long Requests,
    long InputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long OutputTokens,
    long ReasoningTokens,
    Int128 CostPicoUsd);
