using System.Net;
using System.Text.Json;
using Anthropic.Models.Models;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.Anthropic;

/// <summary>The models list in Anthropic's shape for Anthropic clients (they send anthropic-version), read by the official SDK.</summary>
public sealed class AnthropicModelsEndpointTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync("""
        {
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo" } ], "claude-fast": [ { "provider": "local", "model": "echo" } ],
                      "team/echo-2": [ { "provider": "local", "model": "echo" } ] },
          "keys": [ { "key": "sk-test-client", "name": "all" }, { "key": "sk-only-echo", "name": "narrow", "models": ["echo"] } ]
        }
        """);

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task AnthropicClient_ListsModels_InAnthropicsShape()
    {
        var page = await AnthropicClientFactory.Create(_proxy).Models.List(new ModelListParams());

        Assert.Equal(["echo", "claude-fast", "team/echo-2"], page.Items.Select(m => m.ID));
        Assert.All(page.Items, m => Assert.Equal(m.ID, m.DisplayName));
    }

    [Fact]
    public async Task AnthropicClient_RetrievesOneModel_InAnthropicsShape()
    {
        var model = await AnthropicClientFactory.Create(_proxy).Models.Retrieve("claude-fast", new ModelRetrieveParams());

        Assert.Equal(("claude-fast", "claude-fast"), (model.ID, model.DisplayName));
    }

    [Fact]
    public async Task ListModels_WithAnthropicVersion_PagesByAfterIdAndLimit()
    {
        var first = await GetAsync("/v1/models?limit=2");
        var second = await GetAsync("/v1/models?limit=2&after_id=" + first.GetProperty("last_id").GetString());

        Assert.Equal(["echo", "claude-fast"], first.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.Equal((true, "echo", "claude-fast"), (first.GetProperty("has_more").GetBoolean(), first.GetProperty("first_id").GetString(), first.GetProperty("last_id").GetString()));
        Assert.Equal(["team/echo-2"], second.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.False(second.GetProperty("has_more").GetBoolean());
        var model = first.GetProperty("data")[0];
        Assert.Equal("model", model.GetProperty("type").GetString());
        Assert.True(DateTimeOffset.TryParse(model.GetProperty("created_at").GetString(), out _), "created_at is an RFC 3339 time");
    }

    [Fact]
    public async Task ListModels_WithAnthropicVersion_PagesBackwardByBeforeId()
    {
        var page = await GetAsync("/v1/models?limit=1&before_id=team/echo-2");

        Assert.Equal(["claude-fast"], page.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.True(page.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("/v1/models?limit=0")]
    [InlineData("/v1/models?limit=1001")]
    [InlineData("/v1/models?limit=ten")]
    public async Task ListModels_BadLimit_Is400InAnthropicsShape(string path)
    {
        using var response = await SendAsync(path);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("error", "invalid_request_error"), (error.GetProperty("type").GetString(), error.GetProperty("error").GetProperty("type").GetString()));
    }

    [Fact]
    public async Task RetrieveModel_UnknownOrNotAllowed_Is404InAnthropicsShape()
    {
        using var unknown = await SendAsync("/v1/models/nope");
        using var notAllowed = await SendAsync("/v1/models/claude-fast", "sk-only-echo");

        foreach (var response in new[] { unknown, notAllowed })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("not_found_error", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task ListModels_BadKeyFromAnAnthropicClient_Is401InAnthropicsShape()
    {
        using var response = await SendAsync("/v1/models", "sk-wrong");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await SendAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    // As an Anthropic SDK calls: x-api-key and anthropic-version, no Authorization header.
    private async Task<HttpResponseMessage> SendAsync(string path, string key = ProxyHost.ClientKey)
    {
        using var http = new HttpClient { BaseAddress = _proxy.Root };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return await http.SendAsync(request);
    }
}
