using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Usage;

/// <summary>
/// The cost of tokens at a deployment's <c>price</c> (USD per million tokens per bucket), in 10^-12 USD. A price has at
/// most 6 decimal places (the config refuses more), so a token costs a whole number of 10^-12 USD and every cost is
/// exact: nothing is rounded, here or when costs are summed.
/// </summary>
internal static class Pricing
{
    /// <summary>
    /// The cost of <paramref name="usage"/>: uncached input at the input price, cache reads and cache writes at their own
    /// prices, and output (reasoning included, as providers bill it) at the output price; 0 without a price.
    /// </summary>
    public static long PicoUsd(TokenUsage usage, PriceConfig? price)
    {
        if (price is null)
        {
            return 0;
        }
        // A negative count (a broken provider) counts as none.
        Int128 cached = Math.Max(0, usage.CachedInputTokens), written = Math.Max(0, usage.CacheWriteTokens);
        var uncached = Int128.Max(0, Math.Max(0, usage.InputTokens) - cached - written);
        // In 128 bits, where no count a provider reports times a price (at most 10^12 each) can overflow; then saturated
        // rather than thrown: counts reported by a provider are not ours to trust, and 9.2 million USD for one request is
        // past any budget anyway.
        var pico = uncached * price.InputPicoPerToken + cached * price.CacheReadPicoPerToken + written * price.CacheWritePicoPerToken
            + (Int128)Math.Max(0, usage.OutputTokens) * price.OutputPicoPerToken;
        return pico >= long.MaxValue ? long.MaxValue : pico <= 0 ? 0 : (long)pico;
    }

    /// <summary>Adds two costs, stopping at <see cref="long.MaxValue"/> instead of wrapping.</summary>
    public static long Add(long a, long b) => b > 0 && a > long.MaxValue - b ? long.MaxValue : a + b;
}
