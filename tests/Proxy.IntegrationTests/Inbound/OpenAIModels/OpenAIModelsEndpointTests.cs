using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIModels;

public sealed class OpenAIModelsEndpointTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync("""
        {
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo" } ], "team/echo-2": [ { "provider": "local", "model": "echo" } ] },
          "keys": [ { "key": "sk-test-client", "name": "all" }, { "key": "sk-only-echo", "name": "narrow", "models": ["echo"] } ]
        }
        """);

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task ListModels_AnyKey_ListsAliasesInOpenAIListShape()
    {
        var list = JsonDocument.Parse(await _proxy.Client.GetStringAsync("/v1/models")).RootElement;

        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.Equal(["echo", "team/echo-2"], list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.All(list.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
    }

    [Fact]
    public async Task ListModels_NarrowKey_ListsOnlyItsModels()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-only-echo");

        var list = JsonDocument.Parse(await (await _proxy.Client.SendAsync(request)).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(["echo"], list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task GetModel_AliasWithSlash_IsFound()
    {
        var model = JsonDocument.Parse(await _proxy.Client.GetStringAsync("/v1/models/team/echo-2")).RootElement;

        Assert.Equal("team/echo-2", model.GetProperty("id").GetString());
    }

    [Fact]
    public async Task GetModel_Unknown_Is404()
    {
        var response = await _proxy.Client.GetAsync("/v1/models/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
