using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Routing;

/// <summary>
/// Wildcard routes (<c>PREFIX/*</c>): any name under the prefix is served by the wildcard's deployments with the rest of
/// the name as the provider's model; exact aliases win; keys' allow-lists take the same patterns; metrics label by the
/// wildcard, never by the clients' names.
/// </summary>
public sealed class WildcardRouteTests : IAsyncLifetime
{
    private FakeOpenAI _upstream = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAI.StartAsync();
        _proxy = await ProxyHost.StartAsync($$"""
            {
              "server": { "metrics": true },
              "providers": { "oai": {{ProxyHost.OpenAIProvider(_upstream)}}, "local": { "type": "mock" } },
              "models": {
                "oai/*": [ { "provider": "oai" } ],
                "oai/special/*": [ { "provider": "local" } ],
                "oai/exact": [ { "provider": "local", "model": "echo" } ]
              },
              "keys": [
                { "key": "{{ProxyHost.ClientKey}}", "name": "test" },
                { "key": "sk-only-oai", "name": "narrow", "models": ["oai/*"] },
                { "key": "sk-one-model", "name": "one", "models": ["oai/gpt-4.1-mini"] }
              ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Wildcard_NameUnderThePrefix_ProviderGetsTheRestAsItsModel()
    {
        var response = await ChatAsync("oai/gpt-4.1-mini");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("oai/gpt-4.1-mini", response.Headers.GetValues("x-llm-proxy-deployment").Single());
        Assert.Equal("gpt-4.1-mini", Assert.Single(_upstream.Requests).Json.GetProperty("model").GetString());
        Assert.Equal("oai/gpt-4.1-mini", (await _proxy.WaitForUsageAsync()).Model);
    }

    [Fact]
    public async Task Wildcard_ExactAliasAndLongerPrefix_WinOverTheWildcard()
    {
        var exact = await ChatAsync("oai/exact");
        var longer = await ChatAsync("oai/special/thing");

        Assert.Equal("local/echo", exact.Headers.GetValues("x-llm-proxy-deployment").Single());
        Assert.Equal("local/thing", longer.Headers.GetValues("x-llm-proxy-deployment").Single());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task Wildcard_NonAsciiName_ServedAndTheHeaderPercentEncodesIt()
    {
        var response = await ChatAsync("oai/modèle-🚀");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("oai/mod%C3%A8le-%F0%9F%9A%80", response.Headers.GetValues("x-llm-proxy-deployment").Single());
        Assert.Equal("modèle-🚀", Assert.Single(_upstream.Requests).Json.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("oai/a\\nb")]
    [InlineData("oai/\\u0000")]
    public async Task Wildcard_ControlCharacterInTheName_400ModelNotFound(string model)
    {
        var response = await ChatAsync(model);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("model_not_found", await response.Content.ReadAsStringAsync());
        Assert.Empty(_upstream.Requests);
    }

    [Theory]
    [InlineData("oai/*")]
    [InlineData("oai/")]
    [InlineData("other/gpt")]
    public async Task Wildcard_TheWildcardItselfOrNothingUnderIt_400ModelNotFound(string model)
    {
        var response = await ChatAsync(model);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("model_not_found", await response.Content.ReadAsStringAsync());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task Wildcard_KeysAllowListPatterns_AllowNamesUnderThemOnly()
    {
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync("oai/anything", "sk-only-oai")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync("oai/gpt-4.1-mini", "sk-one-model")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ChatAsync("oai/gpt-4o", "sk-one-model")).StatusCode);
    }

    [Fact]
    public async Task Wildcard_KeyAllowedOneNameUnderIt_ModelsListShowsThatName()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-one-model");

        using var models = JsonDocument.Parse(await (await _proxy.Client.SendAsync(request)).Content.ReadAsStringAsync());

        Assert.Equal(["oai/gpt-4.1-mini"], models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Wildcard_ModelsList_ShowsThePatternAndMetricsLabelByIt()
    {
        await ChatAsync("oai/model-a");
        await ChatAsync("oai/model-b");

        using var models = JsonDocument.Parse(await _proxy.Client.GetStringAsync("/v1/models"));
        Assert.Contains("oai/*", models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        string metrics = "";
        for (var i = 0; i < 100 && !metrics.Contains("llm_proxy_requests_total{", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
            metrics = await _proxy.Client.GetStringAsync("/metrics");
        }
        Assert.Contains("alias=\"oai/*\"", metrics);
        Assert.DoesNotContain("model-a", metrics);
        Assert.DoesNotContain("model-b", metrics);
    }

    private Task<HttpResponseMessage> ChatAsync(string model, string key = ProxyHost.ClientKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return _proxy.Client.SendAsync(request);
    }
}
