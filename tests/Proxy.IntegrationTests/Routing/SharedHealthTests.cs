using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Routing;

/// <summary>
/// Two instances on one Redis share their deployments' breakers: a deployment one instance cooled down is skipped by
/// the other without it sending a request there (and by an instance started later), only the instance that opened it
/// probes it, and its probe's success puts the deployment back in service on both.
/// </summary>
public sealed class SharedHealthTests : IAsyncLifetime
{
    private const string Body = """{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""";

    private readonly RedisServer _redis = RedisServer.Start();
    private FakeOpenAI _failing = null!;
    private FakeOpenAI _healthy = null!;
    private ProxyHost _a = null!;
    private ProxyHost _b = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _failing = await FakeOpenAI.StartAsync();
        _healthy = await FakeOpenAI.StartAsync();
        _failing.Override = (context, _) =>
            FakeOpenAI.WriteErrorAsync(context, 500, """{"error":{"message":"oops","type":"server_error","param":null,"code":null}}""");
        _config = ProxyHost.ConfigWith($$"""
            "redis": { "connectionString": "{{_redis.ConnectionString}}", "keyPrefix": "health-test:" },
            "routing": { "cooldownFailures": 1, "cooldownMs": 4000 },
            """, "gpt", ProxyHost.OpenAIProvider(_failing), ProxyHost.OpenAIProvider(_healthy));
        _a = await ProxyHost.StartAsync(_config);
        _b = await ProxyHost.StartAsync(_config);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _failing.DisposeAsync();
        await _healthy.DisposeAsync();
        _redis.Dispose();
    }

    [Fact]
    public async Task Deployment_CooledDownOnOneInstance_SkippedByTheOthersUntilTheOpenersProbeSucceeds()
    {
        Assert.Equal("p1/upstream-model-1", await ServedByAsync(_a)); // p0 fails: A cools it down and falls back
        Assert.True(await Eventually.HoldsAsync(async () => await StateOnAsync(_b) == "cooling_down", TimeSpan.FromSeconds(1)), "B must hear of A's cooldown");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("p1/upstream-model-1", await ServedByAsync(_b));
        }
        Assert.Single(_failing.Requests);
        await using (var later = await ProxyHost.StartAsync(_config))
        {
            Assert.True(await Eventually.HoldsAsync(async () => await StateOnAsync(later) == "cooling_down", TimeSpan.FromSeconds(1)),
                "an instance started during the cooldown must learn it at start-up");
            Assert.Equal("p1/upstream-model-1", await ServedByAsync(later));
        }
        Assert.Single(_failing.Requests);

        _failing.Override = null; // the deployment recovers
        Assert.True(await Eventually.HoldsAsync(async () => await StateOnAsync(_b) == "half_open", TimeSpan.FromSeconds(5)), "the cooldown must end");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("p1/upstream-model-1", await ServedByAsync(_b)); // the probe is A's: B keeps off
        }
        Assert.Single(_failing.Requests);

        Assert.Equal("p0/upstream-model-0", await ServedByAsync(_a)); // A's probe succeeds
        Assert.True(await Eventually.HoldsAsync(async () => await StateOnAsync(_b) == "healthy", TimeSpan.FromSeconds(1)), "B must hear the probe's verdict");
        Assert.Equal("p0/upstream-model-0", await ServedByAsync(_b));
        Assert.Equal(3, _failing.Requests.Count);
    }

    private static async Task<string> ServedByAsync(ProxyHost proxy)
    {
        using var response = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-llm-proxy-deployment").Single();
    }

    private static async Task<string?> StateOnAsync(ProxyHost proxy) =>
        JsonDocument.Parse(await proxy.Client.GetStringAsync("/health")).RootElement.GetProperty("models")[0]
            .GetProperty("deployments")[0].GetProperty("state").GetString();
}
