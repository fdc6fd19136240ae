using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using LlmProxy.Testing;
using LlmProxy.Usage;

namespace LlmProxy.IntegrationTests.Inbound;

/// <summary>
/// Whatever throws, wherever in the pipeline, a deployment's admission and its half-open probe are given back: one bad
/// request must never leave a deployment counted busy for ever, or half open and never tried again.
/// </summary>
public sealed class RoutingStateReleaseTests : IAsyncLifetime
{
    private FakeOpenAI _upstream = null!;
    private readonly FaultyUpstream _faults = new();
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAI.StartAsync();
        _proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "routing": { "cooldownFailures": 1, "cooldownMs": 1 },
            """, "gpt", ProxyHost.OpenAIProvider(_upstream)), services: services => services.AddSingleton(new HttpMessageInvoker(_faults)));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public static TheoryData<string, bool, UpstreamFault> FaultsOnEveryPath()
    {
        var data = new TheoryData<string, bool, UpstreamFault>();
        foreach (var path in new[] { "/v1/chat/completions", "/v1/messages" }) // pass-through, translated
        {
            foreach (var stream in new[] { false, true })
            {
                data.Add(path, stream, UpstreamFault.OnSend);
                data.Add(path, stream, UpstreamFault.MidBody);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FaultsOnEveryPath))]
    public async Task PlantedFault_AnyPathAndStep_LeavesNothingInFlight(string path, bool stream, UpstreamFault fault)
    {
        _faults.Fault = fault;
        using var response = await SendAsync(path, "gpt", "hello", stream);
        _faults.Fault = UpstreamFault.None;

        Assert.True(response.StatusCode != HttpStatusCode.OK || stream, $"a fault before the first byte must not pass for success: {(int)response.StatusCode}");
        Assert.Equal(0, await InFlightAsync("gpt"));
    }

    [Fact]
    public async Task PlantedFault_DuringTheHalfOpenProbe_ReleasesTheProbeSoTheDeploymentIsTriedAgain()
    {
        // Two deployments: were the probe never released, every later request would go to the second for ever.
        await using var second = await FakeOpenAI.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "routing": { "cooldownFailures": 1, "cooldownMs": 1 },
            """, "pair", ProxyHost.OpenAIProvider(_upstream), ProxyHost.OpenAIProvider(second)), services: services => services.AddSingleton(new HttpMessageInvoker(_faults)));
        _upstream.Override = (context, _) => { context.Response.StatusCode = 500; return Task.CompletedTask; };
        (await SendAsync(proxy, "pair")).Dispose(); // the first deployment fails and cools down; the second answers
        _upstream.Override = null;
        await Task.Delay(20); // past cooldownMs (1 ms): the next request to the first deployment is its half-open probe
        _faults.Fault = UpstreamFault.OnSend;
        (await SendAsync(proxy, "pair")).Dispose();
        _faults.Fault = UpstreamFault.None;

        using var next = await SendAsync(proxy, "pair");

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("p0/upstream-model-0", next.Headers.GetValues("x-llm-proxy-deployment").Single());
    }

    [Fact]
    public async Task PlantedFault_InTheHedgedAttempt_AbortsTheFirstAndLeavesNothingInFlight()
    {
        await using var slow = await FakeOpenAI.StartAsync();
        slow.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);
        var faults = new FaultyUpstream { Fault = UpstreamFault.OnSend, OnlyPort = _upstream.BaseUrl.Port };
        await using var proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "p0": {{ProxyHost.OpenAIProvider(slow)}}, "p1": {{ProxyHost.OpenAIProvider(_upstream)}} },
              "models": { "pair": { "hedgeAfterMs": 50, "deployments": [ { "provider": "p0", "model": "a" }, { "provider": "p1", "model": "b" } ] } },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
            }
            """, services: services => services.AddSingleton(new HttpMessageInvoker(faults)));

        (await SendAsync(proxy, "pair")).Dispose();

        // The first attempt, still waiting on its provider when the hedged one threw, was aborted with the request.
        await slow.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var deployments = JsonDocument.Parse(await proxy.Client.GetStringAsync("/health")).RootElement.GetProperty("models")[0].GetProperty("deployments");
        Assert.All(deployments.EnumerateArray(), d => Assert.Equal(0, d.GetProperty("inFlight").GetInt32()));
    }

    private static async Task<HttpResponseMessage> SendAsync(ProxyHost proxy, string model)
    {
        try
        {
            return await proxy.Client.PostAsync("/v1/chat/completions",
                new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        }
        catch (HttpRequestException)
        {
            return new HttpResponseMessage(HttpStatusCode.BadGateway);
        }
    }

    [Theory]
    [InlineData("/v1/chat/completions", "echo", "messages[0].content")]
    [InlineData("/v1/messages", "echo", "messages[0].content")]
    [InlineData("/v1/messages", "gpt", "messages[0].content")]
    [InlineData("/v1/messages/count_tokens", "echo", "messages[0].content")]
    public async Task LoneSurrogate_OnATranslatedPath_Is400NamingTheFieldAndLeavesNothingInFlight(string path, string model, string field)
    {
        // What a JavaScript string cut inside an emoji produces: valid JSON, no valid Unicode.
        using var response = await SendAsync(path, model, "\\ud800", stream: false);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, error.GetRawText());
        Assert.Contains("unpaired surrogate", error.GetRawText());
        Assert.Equal(0, await InFlightAsync(model));
    }

    [Fact]
    public async Task LoneSurrogate_OnThePassThrough_IsCarriedAsSent()
    {
        using var response = await SendAsync("/v1/chat/completions", "gpt", "\\ud800", stream: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\\ud800", _upstream.Requests[^1].BodyText);
    }

    [Fact]
    public async Task UsageStoreThatThrows_AfterTheAnswer_KeepsTheAnswerAndLeavesNothingInFlight()
    {
        await using var upstream = await FakeOpenAI.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt", ProxyHost.OpenAIProvider(upstream)),
            services: services => services.AddSingleton<IUsageRecorder>(new ThrowingUsageRecorder()));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Hello from the fake upstream", await response.Content.ReadAsStringAsync());
        var health = JsonDocument.Parse(await proxy.Client.GetStringAsync("/health")).RootElement;
        Assert.Equal(0, Deployment(health, "gpt").GetProperty("inFlight").GetInt32());
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string model, string text, bool stream)
    {
        var body = path == "/v1/chat/completions"
            ? $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{text}}"}]}"""
            : $$"""{"model":"{{model}}","max_tokens":50,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{text}}"}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("anthropic-version", "2023-06-01");
        try
        {
            return await _proxy.Client.SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // A fault after the answer began cuts the connection; that is the point where a client sees it.
            return new HttpResponseMessage(HttpStatusCode.BadGateway);
        }
    }

    private async Task<int> InFlightAsync(string model) => (await DeploymentAsync(model)).GetProperty("inFlight").GetInt32();

    private async Task<JsonElement> DeploymentAsync(string model) =>
        Deployment(JsonDocument.Parse(await _proxy.Client.GetStringAsync("/health")).RootElement, model);

    private static JsonElement Deployment(JsonElement health, string model) =>
        health.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("model").GetString() == model).GetProperty("deployments")[0];
}
