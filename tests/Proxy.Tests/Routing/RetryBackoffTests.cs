using LlmProxy.Config;
using LlmProxy.Routing;

namespace LlmProxy.Tests.Routing;

public sealed class RetryBackoffTests
{
    private static readonly RoutingDefaults Policy = RoutingDefaults.Default with { RetryBaseDelayMs = 100, RetryMaxDelayMs = 1000 };

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(5, 1000)]
    [InlineData(40, 1000)]
    public void Delay_FullJitter_StaysUnderTheExponentialCeiling(int retry, double ceilingMs)
    {
        var random = new Random(retry);
        var delays = Enumerable.Range(0, 2000).Select(_ => RetryBackoff.Delay(retry, null, Policy, random).TotalMilliseconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, 0, ceilingMs));
        // Full jitter spreads the waits over the whole range, which is what keeps retrying clients apart.
        Assert.InRange(delays.Average(), ceilingMs * 0.45, ceilingMs * 0.55);
    }

    [Fact]
    public void Delay_LongerRetryAfter_IsHonoured() =>
        Assert.Equal(TimeSpan.FromSeconds(7), RetryBackoff.Delay(1, TimeSpan.FromSeconds(7), Policy, new Random(1)));
}
