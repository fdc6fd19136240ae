using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Providers.Compatible;

/// <summary>
/// Named OpenAI-compatible provider types through the proxy to a fake at their base URL: Mistral's refusal of
/// <c>stream_options</c> and <c>user</c> honoured both when passing an OpenAI client's stream through and when
/// translating an Anthropic client's; DeepSeek's <c>reasoning_content</c> reaching an Anthropic client as thinking.
/// </summary>
public sealed class NamedProviderTests : IAsyncLifetime
{
    private FakeOpenAI _upstream = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAI.StartAsync();
        _proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": {
                "mis": { "type": "mistral", "baseUrl": "{{_upstream.BaseUrl}}", "apiKey": "{{FakeOpenAI.Key}}" },
                "ds": { "type": "deepseek", "baseUrl": "{{_upstream.BaseUrl}}", "apiKey": "{{FakeOpenAI.Key}}" }
              },
              "models": {
                "mistral-large": [ { "provider": "mis", "model": "mistral-large-latest" } ],
                "reasoner": [ { "provider": "ds", "model": "deepseek-reasoner" } ]
              },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Mistral_OpenAIClientWithFieldsMistralRefuses_TranslatedToTheFieldsItTakes()
    {
        var response = await _proxy.Client.PostAsync("/v1/chat/completions", Json(
            """{"model":"mistral-large","stream":true,"stream_options":{"include_usage":true},"user":"u-1","max_completion_tokens":30,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[DONE]", SseText.DataOf(await response.Content.ReadAsStringAsync())[^1]);
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/chat/completions", sent.PathAndQuery);
        Assert.Equal("Bearer " + FakeOpenAI.Key, sent.Header("Authorization"));
        Assert.Equal("mistral-large-latest", sent.Json.GetProperty("model").GetString());
        Assert.False(sent.Json.TryGetProperty("stream_options", out _), "Mistral answers 422 to stream_options");
        Assert.False(sent.Json.TryGetProperty("user", out _), "Mistral answers 422 to user");
        Assert.False(sent.Json.TryGetProperty("max_completion_tokens", out _), "Mistral answers 422 to max_completion_tokens");
        Assert.Equal(30, sent.Json.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task Mistral_AnthropicClientStream_TranslatedWithoutStreamOptionsOrUser()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = Json("""{"model":"mistral-large","max_tokens":50,"stream":true,"metadata":{"user_id":"u-7"},"messages":[{"role":"user","content":"hi"}]}"""),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");

        var response = await _proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("message_stop", await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(_upstream.Requests).Json;
        Assert.False(sent.TryGetProperty("stream_options", out _));
        Assert.False(sent.TryGetProperty("user", out _));
        Assert.Equal(50, sent.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task DeepSeek_ReasoningContent_ReachesAnAnthropicClientAsThinking()
    {
        _upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""
                {"id":"ds-1","object":"chat.completion","created":1733000000,"model":"deepseek-reasoner","choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"Two plus two is four.","content":"4"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}
                """);
        };
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = Json("""{"model":"reasoner","max_tokens":100,"messages":[{"role":"user","content":"2+2?"}]}"""),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");

        var response = await _proxy.Client.SendAsync(request);

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var content = answer.RootElement.GetProperty("content");
        Assert.Equal("thinking", content[0].GetProperty("type").GetString());
        Assert.Equal("Two plus two is four.", content[0].GetProperty("thinking").GetString());
        Assert.Equal("4", content[1].GetProperty("text").GetString());
    }

    [Fact]
    public async Task DeepSeek_NoEmbeddingsAPI_400SaysSoAndNothingIsSent()
    {
        var response = await _proxy.Client.PostAsync("/v1/embeddings", Json("""{"model":"reasoner","input":"x"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("has no embeddings API", await response.Content.ReadAsStringAsync());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task Mistral_NoLegacyCompletions_TranslatedToChat()
    {
        var response = await _proxy.Client.PostAsync("/v1/completions", Json("""{"model":"mistral-large","prompt":"hi","max_tokens":20}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("text_completion", answer.RootElement.GetProperty("object").GetString());
        Assert.Equal("/v1/chat/completions", Assert.Single(_upstream.Requests).PathAndQuery);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
