using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using OpenAI.Chat;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIChat;

/// <summary>OpenAI clients through the proxy to an OpenAI upstream: the same-dialect pass-through.</summary>
public sealed class OpenAIPassThroughTests() : ProxiedUpstreamTestBase("gpt-test")
{
    // Found by a tester: such answers reached the client as a 200 it could not read, and no other deployment was tried.
    [Theory]
    [InlineData("200 OK", "application/json", "")]
    [InlineData("200 OK", "application/json", "<html>Bad gateway</html>")]
    [InlineData("200 OK", "application/json", "null")]
    [InlineData("200 OK", "application/json", "\u001f\u008b\u0008\u0000gzip")]
    [InlineData("204 No Content", "application/json", "")]
    public async Task Post_ProviderAnswerThatIsNoJsonObject_NextDeploymentAnswers(string status, string contentType, string body)
    {
        await using var broken = RawUpstream.Start(
            $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        await using var healthy = await FakeOpenAI.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("pair",
            $$"""{ "type": "openai", "baseUrl": "{{broken.BaseUrl}}", "apiKey": "k" }""", ProxyHost.OpenAIProvider(healthy)));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"pair","messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("p1/upstream-model-1", response.Headers.GetValues("x-llm-proxy-deployment").Single());
        Assert.Equal(1, broken.Requests);
    }

    // Found by a tester: a request id that is not ASCII made Kestrel refuse the whole answer (500).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_ProviderRequestIdNotAscii_AnswerArrivesWithoutIt(bool stream)
    {
        var body = stream
            ? "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n"
            : """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}""";
        await using var upstream = RawUpstream.Start(
            $"HTTP/1.1 200 OK\r\nContent-Type: {(stream ? "text/event-stream" : "application/json")}\r\nx-request-id: caf\u00e9\u0001\r\n" +
            $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("raw", $$"""{ "type": "openai", "baseUrl": "{{upstream.BaseUrl}}", "apiKey": "k" }"""));

        using var response = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(
            $$"""{"model":"raw","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("hi", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("x-llm-proxy-upstream-request-id"));
        Assert.Matches("^req_[0-9a-f]{32}$", response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task CompleteChat_OfficialClient_GetsUpstreamAnswerAndUsage()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-test");

        ChatCompletion completion = await client.CompleteChatAsync(new UserChatMessage("Say hello"));

        Assert.Equal("Hello from the fake upstream", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(19, completion.Usage.InputTokenCount);
        Assert.Equal(3, completion.Usage.InputTokenDetails.CachedTokenCount);
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("upstream-model-0", sent.Json.GetProperty("model").GetString());
        Assert.Equal("Bearer " + FakeOpenAI.Key, sent.Header("Authorization"));
    }

    [Fact]
    public async Task CompleteChat_NonStream_UsageIsRecordedWithDetails()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-test");

        await client.CompleteChatAsync(new UserChatMessage("Say hello"));

        var record = Assert.Single(Proxy.Usage);
        Assert.Equal(new LlmProxy.Canonical.TokenUsage(19, 10, 3, 0, 4), record.Tokens);
        Assert.Equal(("p0", "upstream-model-0"), (record.Provider, record.DeploymentModel));
        Assert.Equal("test", record.KeyName);
    }

    [Fact]
    public async Task CompleteChatStreaming_OfficialClient_TextArrivesInOrderWithUsage()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-test");
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Say hello")], new ChatCompletionOptions()))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
            usage ??= update.Usage;
        }

        Assert.Equal("Hello from the fake upstream", text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(10, usage.OutputTokenCount);
        Assert.Equal(4, usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal(new LlmProxy.Canonical.TokenUsage(19, 10, 3, 0, 4), Assert.Single(Proxy.Usage).Tokens);
    }

    [Fact]
    public async Task Stream_ClientDidNotAskForUsage_UpstreamIsAskedAndUsageChunkIsRemoved()
    {
        var response = await PostAsync("""{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var events = SseText.DataOf(await response.Content.ReadAsStringAsync());

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(events, e => e.Contains("\"choices\":[]", StringComparison.Ordinal));
        var sent = Assert.Single(Upstream.Requests).Json;
        Assert.True(sent.GetProperty("stream_options").GetProperty("include_usage").GetBoolean(), "the proxy needs usage from every stream");
        Assert.Equal(19, Assert.Single(Proxy.Usage).Tokens.InputTokens);
    }

    [Theory]
    [InlineData("""{"include_usage":false}""")]
    [InlineData("""{}""")]
    [InlineData("""null""")]
    [InlineData("""{"include_obfuscation":false}""")]
    public async Task Stream_StreamOptionsWithoutUsage_ForcedOnUpstreamKeptOffForClient(string streamOptions)
    {
        var response = await PostAsync($$"""{"model":"gpt-test","stream":true,"stream_options":{{streamOptions}},"messages":[{"role":"user","content":"hi"}]}""");
        var events = SseText.DataOf(await response.Content.ReadAsStringAsync());

        Assert.DoesNotContain(events, e => e.Contains("\"prompt_tokens\"", StringComparison.Ordinal));
        var options = Assert.Single(Upstream.Requests).Json.GetProperty("stream_options");
        Assert.True(options.GetProperty("include_usage").GetBoolean());
        if (streamOptions.Contains("include_obfuscation"))
        {
            Assert.False(options.GetProperty("include_obfuscation").GetBoolean(), "other stream options must survive the splice");
        }
    }

    [Fact]
    public async Task PassThrough_UnknownFieldsAndFormatting_ReachUpstreamByteForByte()
    {
        const string bodyTemplate = """
            {
              "messages": [{"role": "user", "content": "caf\u00e9 \ud83d\ude00 \"quoted\" \\ back"}],
              "model"  :  "MODEL",
              "tools": [{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],
              "response_format": {"type": "json_object"}, "logprobs": true, "top_logprobs": 2, "seed": 42, "n": 2,
              "user": "u-1", "x_future_field": {"nested": [1, 2.50, null, true]},
              "stream": false
            }
            """;

        var response = await PostAsync(bodyTemplate.Replace("MODEL", "gpt-test"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = bodyTemplate.Replace("\"MODEL\"", "\"upstream-model-0\"");
        Assert.Equal(expected, Assert.Single(Upstream.Requests).BodyText);
    }

    [Fact]
    public async Task Tools_OfficialClient_ToolCallComesBack()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-test");
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather for a city",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")));

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Weather in Paris?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement.GetProperty("city").GetString());
        var tools = Assert.Single(Upstream.Requests).Json.GetProperty("tools");
        Assert.Equal("get_weather", tools[0].GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ToolsStreaming_OfficialClient_ArgumentsReassembleFromFragments()
    {
        var client = OpenAIClientFactory.Chat(Proxy, "gpt-test");
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather for a city"));
        var arguments = new StringBuilder();
        string? name = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather?")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                name ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }
        }

        Assert.Equal("get_weather", name);
        Assert.Equal("""{"city":"Paris"}""", arguments.ToString());
    }

    [Fact]
    public async Task Answer_AnyRequest_NamesDeploymentAndOverhead()
    {
        var response = await PostAsync("""{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal("p0/upstream-model-0", response.Headers.GetValues("x-llm-proxy-deployment").Single());
        var overhead = double.Parse(response.Headers.GetValues("x-llm-proxy-overhead-ms").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(overhead, 0, 5_000);
        Assert.Equal("req_fake123", response.Headers.GetValues("x-llm-proxy-upstream-request-id").Single());
        Assert.Matches("^req_[0-9a-f]{32}$", response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task UnknownFieldOrder_ModelAfterMessages_RoutesAndRewrites()
    {
        var response = await PostAsync("""{"messages":[{"role":"user","content":"hi"}],"model":"gpt\u002dtest"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("upstream-model-0", Assert.Single(Upstream.Requests).Json.GetProperty("model").GetString());
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));
}
