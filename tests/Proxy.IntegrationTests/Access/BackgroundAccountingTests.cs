using System.Net;
using LlmProxy.Canonical;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// A background Responses request is one request to its key's limits and to the ledger: its POST is admitted, its run
/// (apart from the POST, on a translating provider) is not admitted again, and the one record carries the run's tokens.
/// </summary>
public sealed class BackgroundAccountingTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync($$"""
        {
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo" } ] },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "rpm": 2, "tpm": 100000 } ]
        }
        """);

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task Background_OnATranslatingProvider_IsAdmittedOnceAndRecordedOnceWithTheRunsTokens()
    {
        var queued = await AccessCalls.PostAsync(_proxy, AccessCalls.Responses, """{"model":"echo","input":"say it in the background","background":true}""");
        Assert.True(queued.Status == HttpStatusCode.OK, queued.Text);
        Assert.Equal("1", queued.Header("x-ratelimit-remaining-requests"));
        var id = queued.Json.GetProperty("id").GetString()!;
        string status = "";
        for (var i = 0; i < 500 && status != "completed"; i++)
        {
            // Polling is not a request to the model: it is not limited.
            var polled = await AccessCalls.GetAsync(_proxy, $"/v1/responses/{id}");
            Assert.True(polled.Status == HttpStatusCode.OK, polled.Text);
            status = polled.Json.GetProperty("status").GetString()!;
            await Task.Delay(status == "completed" ? 0 : 10);
        }
        Assert.Equal("completed", status);
        var record = Assert.Single(await AccessCalls.RecordsAsync(_proxy, 1));

        var next = await AccessCalls.ChatAsync(_proxy, ProxyHost.ClientKey);
        var refused = await AccessCalls.ChatAsync(_proxy, ProxyHost.ClientKey);

        // The run was not admitted a second time: with rpm 2, one more request fits after the background one, and only one.
        Assert.True(next.Status == HttpStatusCode.OK, $"a background run must not take a second request from the key's limit: {next.Text}");
        Assert.Equal("0", next.Header("x-ratelimit-remaining-requests"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        // Its one record is the run's: the mock's words in (5) and out (5), served by the deployment.
        Assert.Equal(("responses", 200, null, "local", 1), (record.Dialect, record.Status, record.ErrorClass, record.Provider, record.Attempts));
        Assert.Equal(new TokenUsage(5, 5), record.Tokens);
        var all = await AccessCalls.RecordsAsync(_proxy, 3);
        Assert.Equal(3, all.Count);
        Assert.Single(all, r => r.Dialect == "responses");
    }

    [Fact]
    public async Task Background_WithMaxParallel1_HoldsTheSlotUntilItsRunEnds()
    {
        await using var upstream = await HeldUpstream.StartAsync();
        await using var proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "held": {{ProxyHost.OpenAIProvider(upstream.Fake)}}, "local": { "type": "mock" } },
              "models": { "held": [ { "provider": "held", "model": "gpt-4o-mini" } ], "echo": [ { "provider": "local", "model": "echo" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "maxParallel": 1 } ]
            }
            """);

        var queued = await AccessCalls.PostAsync(proxy, AccessCalls.Responses, """{"model":"held","input":"work on this","background":true}""");
        await upstream.ArrivedAsync(1);
        var during = await AccessCalls.ChatAsync(proxy, ProxyHost.ClientKey);
        upstream.Open();
        await AccessCalls.RecordsAsync(proxy, 2); // the refusal's and the run's
        var after = await AccessCalls.ChatAsync(proxy, ProxyHost.ClientKey);

        Assert.Equal(HttpStatusCode.OK, queued.Status);
        Assert.True(during.Status == HttpStatusCode.TooManyRequests,
            $"the POST answered at once, but its run is still in flight and holds the key's only slot: {during.Text}");
        Assert.True(after.Status == HttpStatusCode.OK, $"the run has ended: its slot is free: {after.Text}");
        var run = Assert.Single(proxy.Usage, r => r.Dialect == "responses");
        Assert.Equal(("held", 200, new TokenUsage(19, 10, CachedInputTokens: 3, ReasoningTokens: 4)), (run.Provider, run.Status, run.Tokens));
    }
}
