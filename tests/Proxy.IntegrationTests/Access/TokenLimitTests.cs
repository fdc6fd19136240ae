using System.ClientModel;
using System.Net;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;
using OpenAI.Chat;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// A key's tokens-per-minute limit: a request reserves its estimated input plus its output limit when it is admitted,
/// so requests in flight cannot together overshoot the limit; what it reserved is replaced by what it used when it ends.
/// </summary>
public sealed class TokenLimitTests : IAsyncLifetime
{
    private HeldUpstream _upstream = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HeldUpstream.StartAsync();
        _proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "local": { "type": "mock" }, "held": {{ProxyHost.OpenAIProvider(_upstream.Fake)}} },
              "models": { "echo": [ { "provider": "local", "model": "echo" } ], "held": [ { "provider": "held", "model": "gpt-4o-mini" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "tpm": 1000 } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(AccessCalls.Paths), MemberType = typeof(AccessCalls))]
    public async Task Tpm1000_RequestAloneReservingMore_Is429SayingSoWithNoHintToRetrySoon(string path)
    {
        var answer = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo", maxTokens: 2000));

        Assert.True(answer.Status == HttpStatusCode.TooManyRequests, $"2,000 output tokens cannot fit a 1,000 tokens-per-minute limit: {answer.Text}");
        var message = answer.Error.GetProperty("message").GetString()!;
        Assert.Contains("This request alone reserves", message);
        Assert.Contains("1000 tokens per minute", message);
        Assert.Contains("max_tokens", message); // what to change
        // Waiting would never make it fit: no hint that a retry soon would help (none, or one past the minute SDKs honour).
        Assert.True(answer.Headers.RetryAfter?.Delta is not { } wait || wait > TimeSpan.FromMinutes(1),
            $"a short Retry-After would send a well-behaved client into retrying a request that can never fit: {answer.Headers.RetryAfter}");
        Assert.Empty(_upstream.Fake.Requests);
    }

    [Fact]
    public async Task Tpm1000_SecondReservationWhileTheFirstIsInFlight_Is429WithRetryAfter()
    {
        // Each reserves about 600 tokens: its few input tokens (estimated) and its 590 output tokens.
        using var request = AccessCalls.Request(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held", maxTokens: 590));
        var held = _proxy.Client.SendAsync(request);
        await _upstream.ArrivedAsync(1);

        var second = await AccessCalls.PostAsync(_proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held", maxTokens: 590));
        _upstream.Open();
        using var first = await held;

        Assert.True(second.Status == HttpStatusCode.TooManyRequests,
            $"the first request's reservation still holds ~600 of the 1,000 tokens while it runs, so a second ~600 must wait: {second.Text}");
        Assert.Equal("rate_limit_exceeded", second.Error.GetProperty("code").GetString());
        Assert.Contains("Rate limit reached for tokens", second.Error.GetProperty("message").GetString());
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Single(_upstream.Fake.Requests); // the refused one never reached the provider
    }

    [Fact]
    public async Task Tpm1000_FirstEnded_ItsReservationIsReplacedByItsUsageAndTheNextFits()
    {
        _upstream.Open();
        var first = await AccessCalls.PostAsync(_proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held", maxTokens: 590));
        await AccessCalls.RecordsAsync(_proxy, 1); // settled when recorded

        var second = await AccessCalls.PostAsync(_proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held", maxTokens: 590));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        // The first used 29 tokens (19 in, 10 out), not the ~600 it reserved: a limit that kept the reservation would
        // refuse requests the key is entitled to.
        Assert.True(second.Status == HttpStatusCode.OK, $"the first request's unused reservation must be given back: {second.Text}");
        // What remains is the limit less the second's own reservation (593: 3 estimated input tokens and 590) and less
        // what is left of the first's 29 tokens, which drain at 1000 a minute.
        var remaining = int.Parse(second.Header("x-ratelimit-remaining-tokens")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 1000 - 593 - 29, 1000 - 593);
    }

    [Fact]
    public async Task Tpm1000_OfficialOpenAIClient_SeesA429ClientResultException()
    {
        var client = OpenAIClientFactory.Chat(_proxy, "echo");

        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 2000 }));
        ChatCompletion admitted = await client.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100 });

        Assert.Equal(429, refused.Status);
        Assert.Contains("alone reserves", refused.Message);
        Assert.Equal("hi", admitted.Content[0].Text);
    }
}
