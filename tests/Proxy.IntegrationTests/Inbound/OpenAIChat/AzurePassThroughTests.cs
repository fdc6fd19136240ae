using System.Text;
using LlmProxy.Testing;
using OpenAI.Chat;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIChat;

/// <summary>OpenAI clients through the proxy to Azure OpenAI: Azure's URL, api-key auth, and its stream quirks.</summary>
public sealed class AzurePassThroughTests() : ProxiedUpstreamTestBase("gpt-4o-mini", FakeOpenAIFlavor.Azure)
{
    [Fact]
    public async Task CompleteChat_Azure_UsesDeploymentUrlApiVersionAndApiKey()
    {
        ChatCompletion completion = await OpenAIClientFactory.Chat(Proxy, "gpt-4o-mini").CompleteChatAsync(new UserChatMessage("hi"));

        Assert.Equal("Hello from the fake upstream", completion.Content[0].Text);
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("/openai/deployments/upstream-model-0/chat/completions?api-version=2024-10-21", sent.PathAndQuery);
        Assert.Equal(FakeOpenAI.Key, sent.Header("api-key"));
        Assert.Null(sent.Header("Authorization"));
    }

    [Fact]
    public async Task Stream_AzurePromptFilterChunk_IsDroppedSoEveryChunkHasChoices()
    {
        var response = await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var events = SseText.DataOf(await response.Content.ReadAsStringAsync());

        Assert.DoesNotContain(events, e => e.Contains("prompt_filter_results", StringComparison.Ordinal));
        Assert.All(events.Take(events.Count - 2), e => Assert.Contains("\"delta\"", e));
        Assert.Contains("\"prompt_tokens\":19", events[^2]);
        Assert.Equal("[DONE]", events[^1]);
    }

    [Fact]
    public async Task CompleteChatStreaming_OfficialClientOnAzure_ReadsWholeText()
    {
        var text = new StringBuilder();
        await foreach (var update in OpenAIClientFactory.Chat(Proxy, "gpt-4o-mini").CompleteChatStreamingAsync(new UserChatMessage("hi")))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("Hello from the fake upstream", text.ToString());
        Assert.Equal(29, Assert.Single(Proxy.Usage).Tokens.TotalTokens);
    }
}
