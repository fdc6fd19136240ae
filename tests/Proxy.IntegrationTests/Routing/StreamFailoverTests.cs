using System.Text;
using Anthropic.Models.Messages;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using LlmProxy.IntegrationTests.Inbound.Anthropic;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Routing;

/// <summary>
/// Streams fail over until the first content reaches the client: the opening (role chunk, message_start) is held back,
/// so a deployment that dies or errors before its first content is replaced by the next one without a trace.
/// </summary>
public sealed class StreamFailoverTests
{
    private static async Task DieAfterOpeningAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync("data: " + OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "never", null, false).First() + "\n\n");
        await context.Response.Body.FlushAsync();
        await Task.Delay(300);
        context.Abort();
    }

    [Fact]
    public async Task OpenAIClient_FirstDeploymentDiesBeforeContent_StreamComesCleanFromTheSecond()
    {
        await using var dying = await FakeOpenAI.StartAsync();
        await using var healthy = await FakeOpenAI.StartAsync();
        dying.Override = (context, _) => DieAfterOpeningAsync(context);
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt", ProxyHost.OpenAIProvider(dying), ProxyHost.OpenAIProvider(healthy)));
        var text = new StringBuilder();
        var roles = 0;

        await foreach (var update in OpenAIClientFactory.Chat(proxy, "gpt").CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            roles += update.Role is not null ? 1 : 0;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("Hello from the fake upstream", text.ToString());
        Assert.Equal(1, roles);
        Assert.Single(dying.Requests);
        Assert.Single(healthy.Requests);
    }

    [Fact]
    public async Task AnthropicClient_ClaudeOverloadedBeforeContent_StreamComesCleanFromTheSecond()
    {
        await using var overloaded = await FakeAnthropic.StartAsync();
        await using var healthy = await FakeAnthropic.StartAsync();
        overloaded.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await AnthropicStreamScript.Event(context, "message_start", """{"type":"message_start","message":{"id":"msg_dead","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}""");
            await AnthropicStreamScript.Event(context, "error", """{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}""");
        };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("claude", ProxyHost.AnthropicProvider(overloaded), ProxyHost.AnthropicProvider(healthy)));
        var starts = new List<string>();
        var text = new StringBuilder();

        await foreach (var e in AnthropicClientFactory.Create(proxy).Messages.CreateStreaming(
            new MessageCreateParams { Model = "claude", MaxTokens = 50, Messages = [new UserMessageParam("hi")] }))
        {
            if (e.TryPickStart(out var start))
            {
                starts.Add(start.Message.ID);
            }
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece))
            {
                text.Append(piece.Text);
            }
        }

        Assert.Equal([AnthropicStreamScript.Id], starts);
        Assert.Equal("Hello from the fake Claude", text.ToString());
    }

    [Fact]
    public async Task AnthropicClient_TranslatedProviderDiesBeforeContent_StreamComesCleanFromTheSecond()
    {
        await using var dying = await FakeOpenAI.StartAsync();
        await using var healthy = await FakeOpenAI.StartAsync();
        dying.Override = (context, _) => DieAfterOpeningAsync(context);
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt", ProxyHost.OpenAIProvider(dying), ProxyHost.OpenAIProvider(healthy)));

        using var response = await proxy.Client.PostAsync("/v1/messages", new StringContent(
            """{"model":"gpt","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var events = SseEvents.ParseAnthropic(await response.Content.ReadAsStringAsync());

        Assert.Single(events, e => e.Event == "message_start");
        Assert.Equal("Hello from the fake upstream", string.Concat(events.Where(e => e.Event == "content_block_delta")
            .Select(e => e.Json.GetProperty("delta").GetProperty("text").GetString())));
        Assert.Equal("p1/upstream-model-1", response.Headers.GetValues("x-llm-proxy-deployment").Single());
    }

    [Fact]
    public async Task OpenAIClient_ProviderStreamsToARequestForJson_NextDeploymentAnswers()
    {
        await using var wrong = await FakeOpenAI.StartAsync();
        await using var healthy = await FakeOpenAI.StartAsync();
        wrong.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var chunk in OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "wrong kind", null, false))
            {
                await context.Response.WriteAsync("data: " + chunk + "\n\n");
            }
            await context.Response.WriteAsync("data: [DONE]\n\n");
        };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt", ProxyHost.OpenAIProvider(wrong), ProxyHost.OpenAIProvider(healthy)));

        ChatCompletion completion = await OpenAIClientFactory.Chat(proxy, "gpt").CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal("Hello from the fake upstream", completion.Content[0].Text);
        Assert.Single(wrong.Requests);
    }

    [Fact]
    public async Task AnthropicClient_OnlyProviderAnswersJsonToAStreamRequest_Is502NotAJsonBodyInAStream()
    {
        await using var wrong = await FakeAnthropic.StartAsync();
        wrong.Override = (context, _) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}""");
        };
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("claude", ProxyHost.AnthropicProvider(wrong)));

        using var response = await proxy.Client.PostAsync("/v1/messages", new StringContent(
            """{"model":"claude","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.BadGateway, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("\"type\":\"error\"", body);
        Assert.Contains("a body of type 'application/json' to a request for a stream", body);
    }
}
