using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>The answer-length field and sampling parameters follow the model family, not the host the model sits behind.</summary>
public sealed class ReasoningModelParametersTests : IAsyncLifetime
{
    private MatrixUpstream _upstream = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await MatrixUpstream.StartAsync();
        var root = _upstream.BaseUrl.ToString().TrimEnd('/');
        _proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": {
                "relay": { "type": "openai", "baseUrl": "{{root}}/v1", "apiKey": "k" },
                "az": { "type": "azure", "baseUrl": "{{root}}", "apiKey": "k" }
              },
              "models": {
                "relay-gpt-5": [ { "provider": "relay", "model": "gpt-5-scenario-text" } ],
                "azure-o3-mini": [ { "provider": "az", "model": "o3-mini-scenario-text" } ],
                "azure-named-freely": [ { "provider": "az", "model": "prod-scenario-text", "reasoningModel": true } ],
                "relay-gpt-4o": [ { "provider": "relay", "model": "gpt-4o-scenario-text" } ]
              },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "t" } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData("relay-gpt-5")]
    [InlineData("azure-o3-mini")]
    [InlineData("azure-named-freely")]
    public async Task AnthropicClient_ReasoningModelBehindARelayOrAzure_GetsMaxCompletionTokensAndNoSampling(string model)
    {
        var sent = await SendAsync(model);

        Assert.Equal(300, sent.GetProperty("max_completion_tokens").GetInt32());
        Assert.False(sent.TryGetProperty("max_tokens", out _), "reasoning models answer 400 to max_tokens");
        Assert.False(sent.TryGetProperty("temperature", out _), "reasoning models answer 400 to a temperature other than 1");
        Assert.False(sent.TryGetProperty("stop", out _), "reasoning models answer 400 to stop sequences");
        Assert.Equal("developer", sent.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task AnthropicClient_OtherModelBehindARelay_KeepsMaxTokensAndSampling()
    {
        var sent = await SendAsync("relay-gpt-4o");

        Assert.Equal((300, 0.2), (sent.GetProperty("max_tokens").GetInt32(), sent.GetProperty("temperature").GetDouble()));
        Assert.Equal("system", sent.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    private async Task<JsonElement> SendAsync(string model)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent($$"""
                {"model":"{{model}}","max_tokens":300,"temperature":0.2,"stop_sequences":["###"],"system":"Be brief.","messages":[{"role":"user","content":"hi"}]}
                """, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await _proxy.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return _upstream.Requests[^1].Json;
    }
}
