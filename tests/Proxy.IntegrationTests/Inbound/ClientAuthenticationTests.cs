using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;
using OpenAI.Chat;

namespace LlmProxy.IntegrationTests.Inbound;

/// <summary>Client keys guard every /v1 route before anything else happens.</summary>
public sealed class ClientAuthenticationTests : IAsyncLifetime
{
    private const string Config = """
        {
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo" } ], "echo-2": [ { "provider": "local", "model": "echo" } ] },
          "keys": [
            { "key": "sk-test-client", "name": "all" },
            { "key": "sk-only-echo", "name": "narrow", "models": ["echo"] }
          ]
        }
        """;
    private const string Chat = """{"model":"echo-2","messages":[{"role":"user","content":"hi"}]}""";
    private ProxyHost _proxy = null!;
    private HttpClient _anonymous = null!;

    public async Task InitializeAsync()
    {
        _proxy = await ProxyHost.StartAsync(Config);
        _anonymous = new HttpClient { BaseAddress = _proxy.Root };
    }

    public async Task DisposeAsync()
    {
        _anonymous.Dispose();
        await _proxy.DisposeAsync();
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/models")]
    [InlineData("/v1/no-such-route")]
    public async Task Request_WithoutKey_Is401BeforeAnythingElse(string path)
    {
        var response = await _anonymous.PostAsync(path, new StringContent(Chat));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("missing_api_key", Error(await response.Content.ReadAsStringAsync()).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("Authorization", "Bearer sk-wrong")]
    [InlineData("Authorization", "Bearer sk-test-clien")]
    [InlineData("Authorization", "Bearer sk-test-client2")]
    [InlineData("x-api-key", "nope")]
    public async Task Request_WithWrongKey_Is401InvalidKey(string header, string value)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Chat) };
        request.Headers.TryAddWithoutValidation(header, value);

        var response = await _anonymous.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", Error(body).GetProperty("code").GetString());
        Assert.DoesNotContain(value.Replace("Bearer ", ""), body);
    }

    [Theory]
    [InlineData("Authorization", "Bearer sk-test-client")]
    [InlineData("Authorization", "bearer sk-test-client")]
    [InlineData("x-api-key", "sk-test-client")]
    public async Task Request_WithValidKeyInEitherHeader_IsServed(string header, string value)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Chat) };
        request.Headers.TryAddWithoutValidation(header, value);

        var response = await _anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_WithoutKey_IsServed()
    {
        var response = await _anonymous.GetAsync("/health");
        var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(health.GetProperty("version").GetString()));
        Assert.Equal("local/echo", health.GetProperty("models")[0].GetProperty("deployments")[0].GetProperty("deployment").GetString());
    }

    [Fact]
    public async Task Chat_ModelOutsideKeysList_Is403()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Chat) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-only-echo");

        var response = await _anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("model_not_allowed", Error(await response.Content.ReadAsStringAsync()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task OfficialClient_WrongKey_Gets401()
    {
        var client = OpenAIClientFactory.Chat(_proxy, "echo", key: "sk-wrong");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync(new UserChatMessage("hi")));

        Assert.Equal(401, error.Status);
    }

    private static JsonElement Error(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error");
}
