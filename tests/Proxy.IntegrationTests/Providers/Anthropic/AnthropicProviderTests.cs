using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Providers.Anthropic;

/// <summary>The official OpenAI client on /v1/chat/completions, served by Claude through translation.</summary>
public sealed class AnthropicProviderTests() : ProxiedAnthropicTestBase("gpt-alias")
{
    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool("get_weather", "Current weather in a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    [Fact]
    public async Task CompleteChat_TextAnswer_ComesBackWithUsageCountingCacheInsidePromptTokens()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-alias");

        ChatCompletion completion = await client.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Say hello")]);

        Assert.Equal("Hello from the fake Claude", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(AnthropicStreamScript.Id, completion.Id);
        // 12 input + 30 cache reads + 5 cache writes: OpenAI's prompt_tokens includes the cache, cached_tokens says how much was read.
        Assert.Equal((47, 9, 30), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount, completion.Usage.InputTokenDetails.CachedTokenCount));
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("/v1/messages", sent.PathAndQuery);
        Assert.Equal((FakeAnthropic.Key, "2023-06-01"), (sent.Header("x-api-key"), sent.Header("anthropic-version")));
        Assert.Null(sent.Header("Authorization"));
        Assert.Equal("Be brief.", sent.Json.GetProperty("system").GetString());
        Assert.Equal(4096, sent.Json.GetProperty("max_tokens").GetInt32());
        var usage = await WaitForUsageAsync();
        Assert.Equal(new LlmProxy.Canonical.TokenUsage(47, 9, 30, 5), usage.Tokens);
    }

    [Fact]
    public async Task CompleteChatStreaming_TextAnswer_StreamsWordsAndUsage()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-alias");
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Say hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello from the fake Claude", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal(47, usage!.InputTokenCount);
        Assert.True(Assert.Single(Upstream.Requests).Json.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task CompleteChat_ToolRoundTrip_CallsTheToolThenAnswers()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-alias");
        var options = new ChatCompletionOptions { Tools = { Weather } };
        List<ChatMessage> history = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(history, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal((AnthropicStreamScript.ToolUseId, "get_weather"), (call.Id, call.FunctionName));
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement.GetProperty("city").GetString());

        history.Add(new AssistantChatMessage(first));
        history.Add(new ToolChatMessage(call.Id, "sunny, 21 C"));
        ChatCompletion second = await client.CompleteChatAsync(history, options);

        Assert.Equal("Hello from the fake Claude", second.Content[0].Text);
        var sent = Upstream.Requests[1].Json.GetProperty("messages");
        Assert.Equal("""{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"sunny, 21 C"}]}""", sent[2].GetRawText());
    }

    [Fact]
    public async Task CompleteChatStreaming_ToolCall_ArrivesWithIdNameAndArguments()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-alias");
        var arguments = new StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], new ChatCompletionOptions { Tools = { Weather } }))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                Assert.Equal(0, call.Index);
                id ??= call.ToolCallId;
                name ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }

        Assert.Equal((AnthropicStreamScript.ToolUseId, "get_weather"), (id, name));
        Assert.Equal("{\"city\": \"Paris\"}", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task CompleteChat_JsonSchemaFormat_AnswersWithTheForcedToolInputAsText()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-alias");
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("weather_report", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")),
        };

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Weather?")], options);

        Assert.Equal("""{"city":"Paris"}""", Assert.Single(completion.Content).Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Empty(completion.ToolCalls);
        Assert.Equal("""{"type":"tool","name":"weather_report"}""", Assert.Single(Upstream.Requests).Json.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public async Task CompleteChat_ClaudeRejectsTheRequest_PassesItsMessageWith400()
    {
        Upstream.Override = (context, _) => FakeAnthropic.WriteErrorAsync(context, 400, "invalid_request_error", "messages.0.content: prompt is too long");
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-alias");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("x")]));

        Assert.Equal(400, error.Status);
        Assert.Contains("prompt is too long", error.Message);
    }

    [Fact]
    public async Task CompleteChat_ClaudeOverloaded_Is502WithTheReason()
    {
        Upstream.Override = (context, _) => FakeAnthropic.WriteErrorAsync(context, 529, "overloaded_error", "Overloaded");

        using var response = await Proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt-alias","messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Contains("HTTP 529", error.GetProperty("message").GetString());
        Assert.Contains("Overloaded", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Stream_ErrorEventMidStream_EndsWithAnInStreamErrorAndNoDone()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await AnthropicStreamScript.Event(context, "message_start", """{"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}""");
            await AnthropicStreamScript.Event(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
            await AnthropicStreamScript.Event(context, "content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Part"}}""");
            await AnthropicStreamScript.Event(context, "error", """{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}""");
        };

        using var response = await Proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt-alias","stream":true,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));
        var raw = await response.Content.ReadAsStringAsync();
        var events = SseEvents.Parse(raw);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(events, e => e.Data.Contains("\"content\":\"Part\""));
        Assert.True(events[^1].Json.TryGetProperty("error", out var error), raw);
        Assert.Contains("Overloaded", error.GetProperty("message").GetString());
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
    }

    [Fact]
    public async Task Stream_BodyEndsWithoutMessageStop_IsATruncationNotAFinish()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await AnthropicStreamScript.Event(context, "message_start", """{"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}""");
            await AnthropicStreamScript.Event(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
            await AnthropicStreamScript.Event(context, "content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Half"}}""");
        };

        using var response = await Proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt-alias","stream":true,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));
        var events = SseEvents.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("upstream_truncated", events[^1].Json.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain(events, e => e.Data.Contains("finish_reason\":\"stop"));
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
    }

    [Fact]
    public async Task Stream_UpstreamClosesBeforeAnyByte_Is502BeforeTheStreamStarts()
    {
        Upstream.Override = (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };

        using var response = await Proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gpt-alias","stream":true,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }
}
