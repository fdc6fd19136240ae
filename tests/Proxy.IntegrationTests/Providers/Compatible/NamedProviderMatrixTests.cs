using System.Net;
using System.Text;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Providers.Compatible;

/// <summary>
/// Every named OpenAI-compatible type, its <c>baseUrl</c> at one fake: an Anthropic client's streamed request reaches
/// the fake at <c>{baseUrl}/chat/completions</c> with the provider's key as a Bearer token, in the service's dialect of
/// OpenAI's fields (the answer limit's name, whether <c>stream_options</c> and <c>user</c> go).
/// </summary>
public sealed class NamedProviderMatrixTests : IAsyncLifetime
{
    // type, the answer limit's field, whether stream_options and user are sent.
    public static TheoryData<string, string, bool> Types() => new()
    {
        { "deepseek", "max_tokens", true },
        { "dashscope", "max_tokens", true },
        { "groq", "max_completion_tokens", true },
        { "mistral", "max_tokens", false },
        { "openrouter", "max_tokens", true },
        { "xai", "max_completion_tokens", true },
        { "together", "max_tokens", true },
        { "fireworks", "max_tokens", true },
        { "ollama", "max_tokens", true },
        { "vllm", "max_tokens", true },
        { "lmstudio", "max_tokens", true },
    };

    private FakeOpenAI _upstream = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAI.StartAsync();
        var types = Types().Select(row => (string)row[0]).ToArray();
        var providers = string.Join(",", types.Select(t => $$""" "{{t}}": { "type": "{{t}}", "baseUrl": "{{_upstream.BaseUrl}}", "apiKey": "{{FakeOpenAI.Key}}" }"""));
        var models = string.Join(",", types.Select(t => $$""" "{{t}}-model": [ { "provider": "{{t}}", "model": "{{t}}-upstream" } ]"""));
        _proxy = await ProxyHost.StartAsync($$"""
            { "providers": { {{providers}} }, "models": { {{models}} }, "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ] }
            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task NamedType_AnthropicClientStream_ReachesTheServiceInItsDialect(string type, string limitField, bool takesStreamOptionsAndUser)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent($$"""{"model":"{{type}}-model","max_tokens":77,"stream":true,"metadata":{"user_id":"u-1"},"messages":[{"role":"user","content":"hi"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");

        var response = await _proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("message_stop", await response.Content.ReadAsStringAsync());
        var sent = _upstream.Requests.Single(r => r.BodyText.Contains($"\"{type}-upstream\"", StringComparison.Ordinal));
        Assert.Equal("/v1/chat/completions", sent.PathAndQuery);
        Assert.Equal("Bearer " + FakeOpenAI.Key, sent.Header("Authorization"));
        Assert.Equal(77, sent.Json.GetProperty(limitField).GetInt32());
        Assert.Equal(takesStreamOptionsAndUser, sent.Json.TryGetProperty("stream_options", out _));
        Assert.Equal(takesStreamOptionsAndUser, sent.Json.TryGetProperty("user", out _));
    }
}
