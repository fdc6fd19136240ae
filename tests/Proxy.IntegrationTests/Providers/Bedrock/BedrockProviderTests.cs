using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic.Models.Messages;
using OpenAI.Chat;
using LlmProxy.IntegrationTests.Inbound.Anthropic;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Providers.Bedrock;

/// <summary>Both official clients against a fake Bedrock that verifies SigV4 and streams real event-stream frames.</summary>
public sealed class BedrockProviderTests : IAsyncLifetime
{
    private const string ModelId = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    private static readonly ChatTool OpenAIWeather = ChatTool.CreateFunctionTool("get_weather", "Current weather in a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    private FakeBedrock _bedrock = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _bedrock = await FakeBedrock.StartAsync();
        _proxy = await StartProxyAsync(ProxyHost.BedrockProvider(_bedrock));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _bedrock.DisposeAsync();
    }

    // A friendly alias for a full Bedrock model id, as users configure it.
    private static Task<ProxyHost> StartProxyAsync(string provider) => ProxyHost.StartAsync($$"""
        {
          "providers": { "br": {{provider}} },
          "models": { "claude-sonnet-4.5": [ { "provider": "br", "model": "{{ModelId}}" } ] },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
        }
        """);

    [Fact]
    public async Task OpenAIClient_TextAnswer_IsSignedAndTranslated()
    {
        ChatCompletion completion = await OpenAIClientFactory.Chat(_proxy, "claude-sonnet-4.5").CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("Hi")]);

        Assert.Equal("Hello from the fake Bedrock", completion.Content[0].Text);
        Assert.Equal((47, 9, 30), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount, completion.Usage.InputTokenDetails.CachedTokenCount));
        var sent = Assert.Single(_bedrock.Requests);
        Assert.Equal("/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", sent.PathAndQuery.Replace(":", "%3A"));
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={FakeBedrock.AccessKeyId}/", sent.Header("Authorization"));
        Assert.Equal("""[{"text":"Be brief."}]""", sent.Json.GetProperty("system").GetRawText());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAIClient_ToolRoundTrip_Works(bool stream)
    {
        var client = OpenAIClientFactory.Chat(_proxy, "claude-sonnet-4.5");
        var options = new ChatCompletionOptions { Tools = { OpenAIWeather } };
        List<ChatMessage> history = [new UserChatMessage("Weather in Paris?")];

        string id, name, arguments;
        if (stream)
        {
            var json = new StringBuilder();
            string? callId = null, callName = null;
            await foreach (var update in client.CompleteChatStreamingAsync(history, options))
            {
                foreach (var call in update.ToolCallUpdates)
                {
                    callId ??= call.ToolCallId;
                    callName ??= call.FunctionName;
                    json.Append(call.FunctionArgumentsUpdate?.ToString());
                }
            }
            (id, name, arguments) = (callId!, callName!, json.ToString());
        }
        else
        {
            ChatCompletion first = await client.CompleteChatAsync(history, options);
            Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
            var call = Assert.Single(first.ToolCalls);
            (id, name, arguments) = (call.Id, call.FunctionName, call.FunctionArguments.ToString());
        }
        Assert.Equal((FakeBedrock.ToolUseId, "get_weather"), (id, name));
        Assert.Equal("Paris", JsonDocument.Parse(arguments).RootElement.GetProperty("city").GetString());

        history.Add(new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(id, name, BinaryData.FromString(arguments))]));
        history.Add(new ToolChatMessage(id, "sunny, 21 C"));
        var text = new StringBuilder();
        if (stream)
        {
            await foreach (var update in client.CompleteChatStreamingAsync(history, options))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }
            }
        }
        else
        {
            text.Append((await client.CompleteChatAsync(history, options)).Value.Content[0].Text);
        }

        Assert.Equal("Hello from the fake Bedrock", text.ToString());
        Assert.EndsWith(stream ? "/converse-stream" : "/converse", _bedrock.Requests[1].PathAndQuery);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnthropicClient_ToolRoundTrip_Works(bool stream)
    {
        var client = AnthropicClientFactory.Create(_proxy);
        var tool = new Tool
        {
            Name = "get_weather",
            InputSchema = new InputSchema { Properties = new Dictionary<string, JsonElement> { ["city"] = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["type"] = "string" }) } },
        };
        var ask = new MessageCreateParams { Model = "claude-sonnet-4.5", MaxTokens = 300, Messages = [new UserMessageParam("Weather in Paris?")], Tools = [tool] };

        string id, name;
        IReadOnlyDictionary<string, JsonElement> input;
        if (stream)
        {
            var json = new StringBuilder();
            string? useId = null, useName = null;
            await foreach (var e in client.Messages.CreateStreaming(ask))
            {
                if (e.TryPickContentBlockStart(out var start) && start.ContentBlock.Value is ToolUseBlock use)
                {
                    (useId, useName) = (use.ID, use.Name);
                }
                if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var piece))
                {
                    json.Append(piece.PartialJson);
                }
            }
            (id, name, input) = (useId!, useName!, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json.ToString())!);
        }
        else
        {
            var first = await client.Messages.Create(ask);
            var use = first.Content.Select(b => b.Value).OfType<ToolUseBlock>().Single();
            (id, name, input) = (use.ID, use.Name, use.Input);
        }
        Assert.Equal("Paris", input["city"].GetString());

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

        Assert.Equal("Hello from the fake Bedrock", text.ToString());
        var sent = _bedrock.Requests[1].Json.GetProperty("messages");
        Assert.Equal($$$"""{"role":"user","content":[{"toolResult":{"toolUseId":"{{{FakeBedrock.ToolUseId}}}","content":[{"text":"sunny"}]}}]}""", sent[2].GetRawText());
    }

    [Fact]
    public async Task ToolHistoryWithoutTools_GetsAMinimalToolConfig()
    {
        using var response = await _proxy.Client.PostAsync("/v1/chat/completions", new StringContent("""
            {"model":"claude-sonnet-4.5","messages":[{"role":"user","content":"x"},
              {"role":"assistant","tool_calls":[{"id":"tooluse_1","type":"function","function":{"name":"lookup","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"tooluse_1","content":"42"}]}
            """, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"tools":[{"toolSpec":{"name":"lookup","inputSchema":{"json":{"type":"object"}}}}]}""",
            Assert.Single(_bedrock.Requests).Json.GetProperty("toolConfig").GetRawText());
    }

    [Fact]
    public async Task WrongSecret_FakeRejectsTheSignature_Is502UpstreamAuthFailed()
    {
        await using var proxy = await StartProxyAsync(ProxyHost.BedrockProvider(_bedrock, secret: "not-the-secret"));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"claude-sonnet-4.5","messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("upstream_auth_failed", body);
        Assert.Contains("signature we calculated does not match", body);
    }

    [Fact]
    public async Task TemporaryCredentials_SessionTokenIsSentAndSigned()
    {
        _bedrock.SessionToken = "FwoGZXIvYXdzEXAMPLETOKEN//session";
        await using var proxy = await StartProxyAsync(ProxyHost.BedrockProvider(_bedrock, sessionToken: _bedrock.SessionToken));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"claude-sonnet-4.5","stream":true,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("x-amz-security-token", _bedrock.Requests[^1].Header("Authorization"));
        Assert.Equal("[DONE]", SseEvents.Parse(await response.Content.ReadAsStringAsync())[^1].Data);
    }

    [Fact]
    public async Task BedrockApiKey_IsSentAsBearer()
    {
        await using var proxy = await StartProxyAsync(ProxyHost.BedrockProvider(_bedrock, apiKey: true));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"claude-sonnet-4.5","messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer " + FakeBedrock.ApiKey, _bedrock.Requests[^1].Header("Authorization"));
    }
}
