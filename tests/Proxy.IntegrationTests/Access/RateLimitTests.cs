using System.Globalization;
using System.Net;
using System.Text.Json;
using LlmProxy.IntegrationTests.Admin;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// A key's requests-per-minute limit as each dialect's clients see it: the rate-limit headers they read on every
/// admitted answer (streams too), and a 429 in their own error shape with a Retry-After they can honour.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync($$"""
        {
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo" } ] },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "rpm": 2 } ]
        }
        """);

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Theory]
    [MemberData(nameof(AccessCalls.Paths), MemberType = typeof(AccessCalls))]
    public async Task Rpm2_ThirdRequest_Is429WithRetryAfterInTheDialectsShape(string path)
    {
        var first = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo"));
        var second = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo"));
        var third = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo"));

        Assert.True(first.Status == HttpStatusCode.OK, first.Text);
        Assert.True(second.Status == HttpStatusCode.OK, second.Text);
        Assert.True(third.Status == HttpStatusCode.TooManyRequests, $"a key with rpm 2 must be refused its third request in a minute: {third.Text}");
        var retryAfter = third.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { } wait && wait > TimeSpan.Zero && wait <= TimeSpan.FromMinutes(1),
            $"a client that honours Retry-After must be told to wait, and no longer than the minute the limit counts over: {third.Headers.RetryAfter}");
        var body = third.Json;
        if (path == AccessCalls.Messages)
        {
            // Anthropic's SDKs read only their own envelope: {"type":"error","error":{"type":"rate_limit_error","message"}}.
            Assert.Equal("error", body.GetProperty("type").GetString());
            Assert.Equal("rate_limit_error", body.GetProperty("error").GetProperty("type").GetString());
        }
        else
        {
            Assert.Equal("rate_limit_exceeded", third.Error.GetProperty("code").GetString());
            Assert.Equal("rate_limit_error", third.Error.GetProperty("type").GetString());
            Assert.Equal(JsonValueKind.Null, third.Error.GetProperty("param").ValueKind);
        }
        Assert.Contains("2 requests per minute", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [MemberData(nameof(AccessCalls.Paths), MemberType = typeof(AccessCalls))]
    public async Task Rpm2_AdmittedAnswers_CountRemainingDownInOpenAIAndGenericHeaders(string path)
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var first = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo"));
        var second = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo"));
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(("2", "1"), (first.Header("x-ratelimit-limit-requests"), first.Header("x-ratelimit-remaining-requests")));
        Assert.Equal(("2", "0"), (second.Header("x-ratelimit-limit-requests"), second.Header("x-ratelimit-remaining-requests")));
        // OpenAI's reset is a Go duration until the whole limit is back: within the minute the limit counts over.
        Assert.Matches(@"^(\d+(\.\d+)?s|\d+ms|1m0s)$", first.Header("x-ratelimit-reset-requests"));
        Assert.Equal(("2", "0"), (second.Header("X-RateLimit-Limit"), second.Header("X-RateLimit-Remaining")));
        var reset = long.Parse(second.Header("X-RateLimit-Reset")!, CultureInfo.InvariantCulture);
        // A minute after the second request, rounded up to the second (a loaded machine may take a while between the two).
        Assert.True(reset > before && reset <= after + 61,
            $"X-RateLimit-Reset is Unix seconds when the limit is whole again (in the future, within a minute), not a duration: {reset} at {before}..{after}");
        // A limit the key does not have gets no header: a client must not throttle on a tokens limit that is not there.
        Assert.Null(first.Header("x-ratelimit-limit-tokens"));
        Assert.Equal(path == AccessCalls.Messages, first.Header("anthropic-ratelimit-requests-limit") is not null);
    }

    [Fact]
    public async Task Rpm2_Messages_CarriesAnthropicHeadersWithAnRfc3339ResetInTheFuture()
    {
        var before = DateTimeOffset.UtcNow;
        var first = await AccessCalls.PostAsync(_proxy, AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "echo"));
        var second = await AccessCalls.PostAsync(_proxy, AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "echo"));

        Assert.Equal(("2", "1"), (first.Header("anthropic-ratelimit-requests-limit"), first.Header("anthropic-ratelimit-requests-remaining")));
        Assert.Equal(("2", "0"), (second.Header("anthropic-ratelimit-requests-limit"), second.Header("anthropic-ratelimit-requests-remaining")));
        var reset = DateTimeOffset.ParseExact(second.Header("anthropic-ratelimit-requests-reset")!, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal);
        Assert.True(reset > before && reset <= before.AddSeconds(61), $"the reset is when the limit is whole again, within a minute: {reset:O} at {before:O}");
    }

    [Theory]
    [MemberData(nameof(AccessCalls.Paths), MemberType = typeof(AccessCalls))]
    public async Task Rpm2_StreamedAnswer_CarriesTheRateLimitHeadersAndTheThirdStreamIs429(string path)
    {
        var first = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo", stream: true));
        var second = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo", stream: true));
        var third = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo", stream: true));

        Assert.Equal("text/event-stream", first.ContentType?.Split(';')[0]);
        // The headers are set at admission, before the first event: a stream carries them like any answer.
        Assert.Equal(("1", "0"), (first.Header("x-ratelimit-remaining-requests"), second.Header("x-ratelimit-remaining-requests")));
        if (path == AccessCalls.Messages)
        {
            Assert.Equal("0", second.Header("anthropic-ratelimit-requests-remaining"));
        }
        Assert.True(third.Status == HttpStatusCode.TooManyRequests, $"a refused stream is a plain 429 before any event: {third.Text}");
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal("0", third.Header("x-ratelimit-remaining-requests"));
    }

    [Fact]
    public async Task CountTokens_TakesARequestSlotButNoTokens()
    {
        await using var proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "local": { "type": "mock" } },
              "models": { "echo": [ { "provider": "local", "model": "echo" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "rpm": 2, "tpm": 100 } ]
            }
            """);
        // About 250 tokens of prompt: more than the key's 100 tokens per minute, were counting billed.
        var prompt = string.Join(' ', Enumerable.Repeat("word", 200));

        var counted = await AccessCalls.PostAsync(proxy, "/v1/messages/count_tokens",
            $$"""{"model":"echo","messages":[{"role":"user","content":"{{prompt}}"}]}""");
        var served = await AccessCalls.PostAsync(proxy, AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "echo", maxTokens: 10));
        var refused = await AccessCalls.PostAsync(proxy, "/v1/messages/count_tokens", """{"model":"echo","messages":[{"role":"user","content":"hi"}]}""");

        Assert.True(counted.Status == HttpStatusCode.OK, $"counting tokens costs nothing, so it reserves none: {counted.Text}");
        Assert.Equal("100", counted.Header("anthropic-ratelimit-tokens-remaining"));
        Assert.Equal("1", counted.Header("anthropic-ratelimit-requests-remaining"));
        Assert.Equal(HttpStatusCode.OK, served.Status);
        Assert.True(refused.Status == HttpStatusCode.TooManyRequests, $"counting still takes a request slot (rpm 2): {refused.Text}");
        Assert.Equal("rate_limit_error", refused.Error.GetProperty("type").GetString());
    }
}
