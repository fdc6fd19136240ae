using System.Text;
using System.Text.Json;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;
using OpenAI.Chat;

namespace LlmProxy.IntegrationTests.Providers.Mock;

/// <summary>The built-in mock provider behind the default config, as an OpenAI client sees it.</summary>
public sealed class MockProviderTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync("""
        {
          "providers": { "local": { "type": "mock" }, "paced": { "type": "mock", "latencyMs": 5, "tokensPerSecond": 500 } },
          "models": { "echo": [ { "provider": "local", "model": "echo" } ], "echo-paced": [ { "provider": "paced", "model": "echo" } ] },
          "keys": [ { "key": "sk-test-client", "name": "dev" } ]
        }
        """);

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task Echo_NonStream_AnswersTheLastUserMessage()
    {
        ChatCompletion completion = await OpenAIClientFactory.Chat(_proxy, "echo").CompleteChatAsync(
            new SystemChatMessage("be brief"), new UserChatMessage("first"), new AssistantChatMessage("ok"), new UserChatMessage("naïve café, 東京 \"quoted\""));

        Assert.Equal("naïve café, 東京 \"quoted\"", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(4, completion.Usage.OutputTokenCount);
    }

    [Theory]
    [InlineData("echo")]
    [InlineData("echo-paced")]
    public async Task Echo_Stream_ArrivesWordByWord(string model)
    {
        var deltas = new List<string>();
        ChatTokenUsage? usage = null;

        await foreach (var update in OpenAIClientFactory.Chat(_proxy, model).CompleteChatStreamingAsync(new UserChatMessage("the quick brown fox")))
        {
            deltas.AddRange(update.ContentUpdate.Select(part => part.Text).Where(text => text.Length > 0));
            usage ??= update.Usage;
        }

        Assert.Equal(["the", " quick", " brown", " fox"], deltas);
        Assert.Equal(4, usage?.OutputTokenCount);
    }

    [Fact]
    public async Task Echo_StreamWithoutUsageRequest_EndsWithFinishThenDone()
    {
        var body = await (await _proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"echo","stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"a b"}]}]}"""))).Content.ReadAsStringAsync();
        var events = SseText.DataOf(body);

        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal("stop", JsonDocument.Parse(events[^2]).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("assistant", JsonDocument.Parse(events[0]).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.DoesNotContain(events, e => e.Contains("\"usage\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Echo_MaxTokens_StopsWithLength()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 2 };

        ChatCompletion completion = await OpenAIClientFactory.Chat(_proxy, "echo").CompleteChatAsync([new UserChatMessage("one two three")], options);

        Assert.Equal("one two", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
    }

    [Fact]
    public async Task Echo_MessageWithoutRole_Is400()
    {
        var response = await _proxy.Client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"echo","messages":[{"content":"x"}]}"""));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("messages[0].role", await response.Content.ReadAsStringAsync());
    }
}
