using LlmProxy.Access;
using LlmProxy.Inbound;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Tests.Inbound;

public sealed class RateLimitHeadersTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-30T12:00:00Z");

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(20, "20ms")]
    [InlineData(999.2, "1s")]
    [InlineData(1_000, "1s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(8_124, "8.124s")]
    [InlineData(360_000, "6m0s")]
    [InlineData(3_723_000, "1h2m3s")]
    public void GoDuration_AsOpenAISendsIt(double milliseconds, string expected) =>
        Assert.Equal(expected, RateLimitHeaders.GoDuration(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Set_RequestsAndTokens_WritesOpenAIAndGenericHeaders()
    {
        var response = new DefaultHttpContext().Response;
        var admission = new Admission(null, null, default, new RateLimitSnapshot(60, 59, TimeSpan.FromSeconds(1)),
            new RateLimitSnapshot(10_000, 8_000, TimeSpan.FromSeconds(12.5)), null);

        RateLimitHeaders.Set(response, admission, Now, anthropic: false);

        var headers = response.Headers;
        Assert.Equal(("60", "59", "1s"), (headers["x-ratelimit-limit-requests"].ToString(), headers["x-ratelimit-remaining-requests"].ToString(),
            headers["x-ratelimit-reset-requests"].ToString()));
        Assert.Equal(("10000", "8000", "12.5s"), (headers["x-ratelimit-limit-tokens"].ToString(), headers["x-ratelimit-remaining-tokens"].ToString(),
            headers["x-ratelimit-reset-tokens"].ToString()));
        Assert.Equal(("60", "59", (Now.ToUnixTimeSeconds() + 1).ToString()), (headers["X-RateLimit-Limit"].ToString(), headers["X-RateLimit-Remaining"].ToString(),
            headers["X-RateLimit-Reset"].ToString()));
        Assert.False(headers.ContainsKey("anthropic-ratelimit-requests-limit"));
    }

    [Fact]
    public void Set_AnthropicDialect_AlsoWritesAnthropicHeadersWithRfc3339Resets()
    {
        var response = new DefaultHttpContext().Response;
        var admission = new Admission(null, null, default, default, new RateLimitSnapshot(10_000, 8_000, TimeSpan.FromSeconds(12.5)), null);

        RateLimitHeaders.Set(response, admission, Now, anthropic: true);

        var headers = response.Headers;
        Assert.Equal("10000", headers["anthropic-ratelimit-tokens-limit"].ToString());
        Assert.Equal("8000", headers["anthropic-ratelimit-tokens-remaining"].ToString());
        Assert.Equal("2026-11-30T12:00:13Z", headers["anthropic-ratelimit-tokens-reset"].ToString()); // rounded up: not before it is true
        Assert.False(headers.ContainsKey("anthropic-ratelimit-requests-limit"));
        Assert.Equal("10000", headers["X-RateLimit-Limit"].ToString()); // only a tokens limit: the generic trio reports it
    }

    [Fact]
    public void Set_NoLimits_WritesNothing()
    {
        var response = new DefaultHttpContext().Response;

        RateLimitHeaders.Set(response, Admission.Unlimited, Now, anthropic: true);

        Assert.Empty(response.Headers);
    }
}
