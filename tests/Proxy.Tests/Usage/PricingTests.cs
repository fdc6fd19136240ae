using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Testing;
using LlmProxy.Tests.Fixtures;
using LlmProxy.Usage;

namespace LlmProxy.Tests.Usage;

public sealed class PricingTests
{
    // Claude Sonnet 4.5's list prices: $3 input, $15 output, $0.30 cache read, $3.75 cache write per million tokens.
    private static readonly PriceConfig Sonnet = new(3m, 15m, 0.30m, 3.75m);

    // GPT-4o mini's: $0.15 input, $0.60 output, $0.075 cached input; no cache-write charge.
    private static readonly PriceConfig Mini = new(0.15m, 0.60m, 0.075m, 0m);

    [Fact]
    public void PicoUsd_AnthropicStreamWithCacheReadAndWrite_PricesEachBucketAsComputedByHand()
    {
        // The fixture's usage: input_tokens 25, cache_read_input_tokens 2000, cache_creation_input_tokens 100, output_tokens 15.
        var usage = StreamFeed.Run(new AnthropicAnswerTranslator(null, 1700000000), Fixture.Read("anthropic", "text"), Arrival.Whole).Sink.Usage!.Value;

        // 25 x $3 + 2000 x $0.30 + 100 x $3.75 + 15 x $15, per million tokens = $0.001275 = 1,275,000,000 pico-USD.
        var byHand = (25 * 3m + 2000 * 0.30m + 100 * 3.75m + 15 * 15m) / 1_000_000m;
        Assert.Equal(0.001275m, byHand);
        Assert.Equal(1_275_000_000L, Pricing.PicoUsd(usage, Sonnet));
    }

    [Fact]
    public void PicoUsd_OpenAIStreamWithCachedTokens_PricesCachedInputAtTheCachedRate()
    {
        // The fixture's usage: prompt_tokens 19 of which cached_tokens 3, completion_tokens 10 of which reasoning_tokens 4.
        var usage = StreamFeed.Run(new OpenAIAnswerTranslator(1700000000), Fixture.Read("openai", "text"), Arrival.Whole).Sink.Usage!.Value;
        Assert.Equal(new TokenUsage(19, 10, 3, 0, 4), usage);

        // 16 x $0.15 + 3 x $0.075 + 10 x $0.60 (reasoning is billed as output, inside the 10) per million = $0.000008625.
        var byHand = (16 * 0.15m + 3 * 0.075m + 10 * 0.60m) / 1_000_000m;
        Assert.Equal(0.000008625m, byHand);
        Assert.Equal(8_625_000L, Pricing.PicoUsd(usage, Mini));
    }

    [Fact]
    public void PicoUsd_NoPrice_IsFree() => Assert.Equal(0, Pricing.PicoUsd(new TokenUsage(1000, 1000), null));

    [Fact]
    public void PicoUsd_SixDecimalPrice_IsExactPerToken() =>
        // $0.000001 per million tokens is 10^-12 USD a token: the smallest price the config takes still counts whole units.
        Assert.Equal(7, Pricing.PicoUsd(new TokenUsage(7, 0), new PriceConfig(0.000001m, 0, 0, 0)));

    [Fact]
    public void PicoUsd_CacheCountsAboveInput_NeverGoesNegative() =>
        // A provider that reports cached tokens beyond its input total must not make the uncached part negative.
        Assert.Equal(100 * 75_000L, Pricing.PicoUsd(new TokenUsage(50, 0, 100), Mini));

    [Fact]
    public void PicoUsd_AbsurdCountsFromAProvider_SaturatesInsteadOfThrowing()
    {
        Assert.Equal(long.MaxValue, Pricing.PicoUsd(new TokenUsage(long.MaxValue / 2, long.MaxValue / 2), new PriceConfig(1_000_000m, 1_000_000m, 0, 0)));
        Assert.Equal(long.MaxValue, Pricing.Add(long.MaxValue - 1, 5));
        Assert.Equal(7, Pricing.Add(3, 4));
    }

    [Fact]
    public void PicoUsd_NegativeCountsFromABrokenProvider_CountAsNoneAndNeverWrap() =>
        // Input minus long.MinValue-sized cache counts wrapped to a huge positive count (about 9.2 million USD) in 64 bits.
        Assert.Equal(Pricing.PicoUsd(new TokenUsage(10, 0), Mini), Pricing.PicoUsd(new TokenUsage(10, -5, long.MinValue + 1, long.MinValue + 1), Mini));
}
