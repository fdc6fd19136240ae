using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic.Models.Messages;
using OpenAI.Chat;
using LlmProxy.IntegrationTests.Inbound.Anthropic;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Providers.Gemini;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Providers.Gemini;

/// <summary>Both official clients against a fake Gemini through the proxy: text, and tool round trips streamed and not.</summary>
public sealed class GeminiProviderTests : IAsyncLifetime
{
    private static readonly ChatTool OpenAIWeather = ChatTool.CreateFunctionTool("get_weather", "Current weather in a city",
        BinaryData.FromString("""{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,"properties":{"city":{"type":"string"}},"required":["city"]}"""));

    private static readonly Tool AnthropicWeather = new()
    {
        Name = "get_weather",
        InputSchema = new InputSchema
        {
            Properties = new Dictionary<string, JsonElement> { ["city"] = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["type"] = "string" }) },
            Required = ["city"],
        },
    };

    private FakeGemini _gemini = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _gemini = await FakeGemini.StartAsync();
        _proxy = await ProxyHost.StartAsync(ProxyHost.Config("gem", ProxyHost.GeminiProvider(_gemini)));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _gemini.DisposeAsync();
    }

    [Fact]
    public async Task OpenAIClient_TextAnswer_ComesBackWithUsage()
    {
        ChatCompletion completion = await OpenAIClientFactory.Chat(_proxy, "gem").CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hi")]);

        Assert.Equal("Hello from the fake Gemini", completion.Content[0].Text);
        Assert.Equal((20, 16, 5), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount, completion.Usage.InputTokenDetails.CachedTokenCount));
        var sent = Assert.Single(_gemini.Requests);
        Assert.Equal("/v1beta/models/upstream-model-0:generateContent", sent.PathAndQuery);
        Assert.Equal(FakeGemini.Key, sent.Header("x-goog-api-key"));
        Assert.Equal("Be brief.", sent.Json.GetProperty("systemInstruction").GetProperty("parts")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAIClient_ToolRoundTrip_CarriesTheThoughtSignatureBack(bool stream)
    {
        var client = OpenAIClientFactory.Chat(_proxy, "gem");
        var options = new ChatCompletionOptions { Tools = { OpenAIWeather } };
        List<ChatMessage> history = [new UserChatMessage("Weather in Paris?")];

        var (callId, name, arguments) = stream ? await StreamToolCallAsync(client, history, options) : await CompleteToolCallAsync(client, history, options);

        Assert.Equal("get_weather", name);
        Assert.Equal(FakeGemini.Signature, GeminiToolCallIds.SignatureOf(callId));
        history.Add(new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(callId, name, BinaryData.FromString(arguments))]));
        history.Add(new ToolChatMessage(callId, "sunny, 21 C"));
        var answer = stream ? await StreamTextAsync(client, history, options) : (await client.CompleteChatAsync(history, options)).Value.Content[0].Text;

        Assert.Equal("Hello from the fake Gemini", answer);
        var second = _gemini.Requests[1];
        Assert.EndsWith(stream ? ":streamGenerateContent?alt=sse" : ":generateContent", second.PathAndQuery);
        var modelTurn = second.Json.GetProperty("contents")[1].GetProperty("parts")[0];
        Assert.Equal(FakeGemini.Signature, modelTurn.GetProperty("thoughtSignature").GetString());
        Assert.False(_gemini.Requests[0].Json.GetProperty("tools")[0].GetProperty("functionDeclarations")[0].GetProperty("parameters").TryGetProperty("additionalProperties", out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnthropicClient_ToolRoundTrip_CarriesTheThoughtSignatureBack(bool stream)
    {
        var client = AnthropicClientFactory.Create(_proxy);
        var ask = new MessageCreateParams { Model = "gem", MaxTokens = 200, Messages = [new UserMessageParam("Weather in Paris?")], Tools = [AnthropicWeather] };

        string id, name;
        IReadOnlyDictionary<string, JsonElement> input;
        if (stream)
        {
            (id, name, var json) = await StreamToolUseAsync(client, ask);
            input = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
        }
        else
        {
            var first = await client.Messages.Create(ask);
            Assert.Equal("tool_use", first.StopReason!.Raw());
            var use = first.Content.Select(b => b.Value).OfType<ToolUseBlock>().Single();
            (id, name, input) = (use.ID, use.Name, use.Input);
        }
        Assert.Equal(FakeGemini.Signature, GeminiToolCallIds.SignatureOf(id));
        var followUp = ask with
        {
            Messages =
            [
                new UserMessageParam("Weather in Paris?"),
                new AssistantMessageParam(new List<ContentBlockParam> { new ToolUseBlockParam { ID = id, Name = name, Input = input } }),
                new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(id) { Content = "sunny" } }),
            ],
        };

        var text = new StringBuilder();
        if (stream)
        {
            await foreach (var e in client.Messages.CreateStreaming(followUp))
            {
                if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece))
                {
                    text.Append(piece.Text);
                }
            }
        }
        else
        {
            text.Append((await client.Messages.Create(followUp)).Content.Select(b => b.Value).OfType<TextBlock>().Single().Text);
        }

        Assert.Equal("Hello from the fake Gemini", text.ToString());
        Assert.Equal("""{"functionResponse":{"name":"get_weather","response":{"result":"sunny"}}}""",
            _gemini.Requests[1].Json.GetProperty("contents")[2].GetProperty("parts")[0].GetRawText());
    }

    [Fact]
    public async Task ToolHistoryWithoutSignature_GeminiRejectsIt_ClientSeesGeminis400()
    {
        using var response = await _proxy.Client.PostAsync("/v1/chat/completions", new StringContent("""
            {"model":"gem","messages":[{"role":"user","content":"x"},
              {"role":"assistant","tool_calls":[{"id":"call_from_elsewhere","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_from_elsewhere","content":"1"}],
             "tools":[{"type":"function","function":{"name":"f"}}]}
            """, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("missing a `thought_signature`", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WrongProviderKey_Is502UpstreamAuthFailed()
    {
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gem", ProxyHost.GeminiProvider(_gemini, "AIza-wrong")));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"gem","messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("upstream_auth_failed", await response.Content.ReadAsStringAsync());
    }

    private static async Task<(string Id, string Name, string Arguments)> CompleteToolCallAsync(ChatClient client, List<ChatMessage> history, ChatCompletionOptions options)
    {
        ChatCompletion completion = await client.CompleteChatAsync(history, options);
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        return (call.Id, call.FunctionName, call.FunctionArguments.ToString());
    }

    private static async Task<(string Id, string Name, string Arguments)> StreamToolCallAsync(ChatClient client, List<ChatMessage> history, ChatCompletionOptions options)
    {
        string? id = null, name = null;
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync(history, options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                id ??= call.ToolCallId;
                name ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        return (id!, name!, arguments.ToString());
    }

    private static async Task<string> StreamTextAsync(ChatClient client, List<ChatMessage> history, ChatCompletionOptions options)
    {
        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync(history, options))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }
        return text.ToString();
    }

    private static async Task<(string Id, string Name, string Json)> StreamToolUseAsync(global::Anthropic.AnthropicClient client, MessageCreateParams ask)
    {
        string? id = null, name = null, stop = null;
        var json = new StringBuilder();
        await foreach (var e in client.Messages.CreateStreaming(ask))
        {
            if (e.TryPickContentBlockStart(out var start) && start.ContentBlock.Value is ToolUseBlock use)
            {
                (id, name) = (use.ID, use.Name);
            }
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var input))
            {
                json.Append(input.PartialJson);
            }
            if (e.TryPickDelta(out var messageDelta))
            {
                stop = messageDelta.Delta.StopReason?.Raw();
            }
        }
        Assert.Equal("tool_use", stop);
        return (id!, name!, json.ToString());
    }
}
