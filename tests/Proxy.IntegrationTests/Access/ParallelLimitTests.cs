using System.Net;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// A key's <c>maxParallel</c>: while that many of its requests are in flight the next is refused at once (never queued
/// behind them), and the slot is free again as soon as one ends, however it ended.
/// </summary>
public sealed class ParallelLimitTests : IAsyncLifetime
{
    private HeldUpstream _upstream = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HeldUpstream.StartAsync();
        // The held upstream stands for a slow deployment: the first request is in flight for exactly as long as the test says.
        _proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "held": {{ProxyHost.OpenAIProvider(_upstream.Fake)}}, "local": { "type": "mock" } },
              "models": { "slow": [ { "provider": "held", "model": "gpt-4o-mini" } ], "echo": [ { "provider": "local", "model": "echo" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "maxParallel": 1 }, { "key": "sk-test-other", "name": "other", "maxParallel": 1 } ]
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
    public async Task MaxParallel1_SecondWhileTheFirstRuns_Is429ThenAdmittedAfterItEnds(string path)
    {
        using var request = AccessCalls.Request(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "slow"));
        var running = _proxy.Client.SendAsync(request);
        await _upstream.ArrivedAsync(1);

        var during = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo"));
        var otherKey = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo"), "sk-test-other");
        _upstream.Open();
        using var first = await running;
        await AccessCalls.RecordsAsync(_proxy, 3); // the slot is given back when the request is closed
        var after = await AccessCalls.PostAsync(_proxy, path, AccessCalls.Body(path, "echo"));

        Assert.True(during.Status == HttpStatusCode.TooManyRequests, $"a second request while the first runs must be refused, not queued: {during.Text}");
        Assert.Contains("Too many parallel requests", during.Error.GetProperty("message").GetString());
        Assert.Contains("allows 1 at once", during.Error.GetProperty("message").GetString());
        Assert.NotNull(during.Headers.RetryAfter);
        Assert.True(otherKey.Status == HttpStatusCode.OK, $"another key's slot is its own: {otherKey.Text}");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(after.Status == HttpStatusCode.OK, $"once the first has ended its slot is free: {after.Text}");
    }

    [Fact]
    public async Task MaxParallel1_FirstAbandonedByItsClient_FreesTheSlot()
    {
        using (var cancel = new CancellationTokenSource())
        {
            using var request = AccessCalls.Request(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "slow"));
            var running = _proxy.Client.SendAsync(request, cancel.Token);
            await _upstream.ArrivedAsync(1);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await AccessCalls.ChatAsync(_proxy, ProxyHost.ClientKey)).Status);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
        await _upstream.Fake.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await AccessCalls.RecordsAsync(_proxy, 2);

        var after = await AccessCalls.ChatAsync(_proxy, ProxyHost.ClientKey);

        Assert.True(after.Status == HttpStatusCode.OK, $"a request its client abandoned must not hold the key's only slot for ever: {after.Text}");
    }
}
