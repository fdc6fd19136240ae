using System.Net;
using Microsoft.AspNetCore.Http;
using System.Text;
using System.Text.Json;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.Anthropic;

/// <summary>The official Anthropic client on /v1/messages, served by an OpenAI-format provider through translation.</summary>
public sealed class AnthropicMessagesTranslatedTests() : ProxiedUpstreamTestBase("claude-alias")
{
    private static MessageCreateParams Ask(string text, IReadOnlyList<ToolUnion>? tools = null) => new()
    {
        Model = "claude-alias",
        MaxTokens = 256,
        System = "Answer briefly.",
        Messages = [new UserMessageParam(text)],
        Tools = tools,
    };

    private static readonly Tool Weather = new()
    {
        Name = "get_weather",
        Description = "Current weather in a city",
        InputSchema = new InputSchema
        {
            Properties = new Dictionary<string, JsonElement> { ["city"] = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["type"] = "string" }) },
            Required = ["city"],
        },
    };

    [Fact]
    public async Task Create_TextAnswer_ComesBackAsAMessage()
    {
        var client = AnthropicClientFactory.Create(Proxy);

        var message = await client.Messages.Create(Ask("Say hello"));

        Assert.Equal("Hello from the fake upstream", Assert.Single(message.Content).Value is TextBlock text ? text.Text : null);
        Assert.Equal("end_turn", message.StopReason!.Raw());
        // The fake reports 19 prompt tokens of which 3 cached: Anthropic's input_tokens excludes the cached ones.
        Assert.Equal((16L, 10L, 3L), (message.Usage.InputTokens, message.Usage.OutputTokens, message.Usage.CacheReadInputTokens ?? -1));
        var sent = Assert.Single(Upstream.Requests).Json;
        Assert.Equal("upstream-model-0", sent.GetProperty("model").GetString());
        Assert.Equal("""[{"role":"system","content":"Answer briefly."},{"role":"user","content":"Say hello"}]""", sent.GetProperty("messages").GetRawText());
        Assert.Equal(256, sent.GetProperty("max_tokens").GetInt32());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Answer_Translated_CarriesTheProvidersRequestIdBesideItsOwn(bool stream)
    {
        using var response = await Proxy.Client.PostAsync("/v1/messages", new StringContent(
            $$"""{"model":"claude-alias","max_tokens":64,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""",
            Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("req_fake123", response.Headers.GetValues("x-llm-proxy-upstream-request-id").Single());
        Assert.Matches("^req_[0-9a-f]{32}$", response.Headers.GetValues("request-id").Single());
    }

    [Fact]
    public async Task CreateStreaming_TextAnswer_StreamsInTheMessagesGrammar()
    {
        var client = AnthropicClientFactory.Create(Proxy);
        var text = new StringBuilder();
        var types = new List<string>();

        await foreach (var e in client.Messages.CreateStreaming(Ask("Say hello")))
        {
            types.Add(e.Type.Raw());
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece))
            {
                text.Append(piece.Text);
            }
        }

        Assert.Equal("Hello from the fake upstream", text.ToString());
        Assert.Equal("message_start", types[0]);
        Assert.Equal(["message_delta", "message_stop"], types[^2..]);
        Assert.True(Assert.Single(Upstream.Requests).Json.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task CreateStreaming_RawBody_FollowsTheGrammarWithUsageOnTheDelta()
    {
        var body = """{"model":"claude-alias","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}""";

        using var response = await Proxy.Client.PostAsync("/v1/messages", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = SseEvents.ParseAnthropic(await response.Content.ReadAsStringAsync());
        Assert.Equal("""{"input_tokens":16,"cache_creation_input_tokens":0,"cache_read_input_tokens":3,"output_tokens":10}""",
            events[^2].Json.GetProperty("usage").GetRawText());
        Assert.Equal("upstream-model-0", response.Headers.GetValues("x-llm-proxy-deployment").Single().Split('/')[1]);
    }

    [Fact]
    public async Task Create_ToolRoundTrip_CallsTheToolThenAnswers()
    {
        var client = AnthropicClientFactory.Create(Proxy);
        var ask = Ask("Weather in Paris?", [Weather]);

        var first = await client.Messages.Create(ask);

        Assert.Equal("tool_use", first.StopReason!.Raw());
        var call = first.Content.Select(b => b.Value).OfType<ToolUseBlock>().Single();
        Assert.Equal(("call_abc123", "get_weather", "Paris"), (call.ID, call.Name, call.Input["city"].GetString()));

        var second = await client.Messages.Create(ask with
        {
            Messages =
            [
                new UserMessageParam("Weather in Paris?"),
                new AssistantMessageParam(new List<ContentBlockParam> { new ToolUseBlockParam { ID = call.ID, Name = call.Name, Input = call.Input } }),
                new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(call.ID) { Content = "sunny, 21 C" } }),
            ],
        });

        Assert.Equal("Hello from the fake upstream", second.Content.Select(b => b.Value).OfType<TextBlock>().Single().Text);
        var sent = Upstream.Requests[1].Json.GetProperty("messages");
        Assert.Equal("""{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}""", sent[2].GetRawText());
        Assert.Equal("""{"role":"tool","tool_call_id":"call_abc123","content":"sunny, 21 C"}""", sent[3].GetRawText());
    }

    [Fact]
    public async Task CreateStreaming_ToolCall_ArrivesAsToolUseBlockWithInputJson()
    {
        var client = AnthropicClientFactory.Create(Proxy);
        var json = new StringBuilder();
        string? name = null;

        await foreach (var e in client.Messages.CreateStreaming(Ask("Weather in Paris?", [Weather])))
        {
            if (e.TryPickContentBlockStart(out var start) && start.ContentBlock.Value is ToolUseBlock toolUse)
            {
                name = toolUse.Name;
            }
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var input))
            {
                json.Append(input.PartialJson);
            }
        }

        Assert.Equal("get_weather", name);
        Assert.Equal("Paris", JsonDocument.Parse(json.ToString()).RootElement.GetProperty("city").GetString());
    }

    [Fact]
    public async Task Create_UnknownModel_IsABadRequestInAnthropicShape()
    {
        var client = AnthropicClientFactory.Create(Proxy);

        var error = await Assert.ThrowsAsync<AnthropicBadRequestException>(() => client.Messages.Create(Ask("x") with { Model = "no-such-model" }));

        Assert.Contains("no-such-model", error.Message);
    }

    [Fact]
    public async Task Post_WrongKey_Is401InAnthropicShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Proxy.Root, "/v1/messages"))
        {
            Content = new StringContent("""{"model":"claude-alias","max_tokens":5,"messages":[]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", "sk-wrong");
        using var anonymous = new HttpClient();

        using var response = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"type":"error","error":{"type":"authentication_error","message":"The API key is not valid."}}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_MissingMaxTokens_Is400NamingItBeforeAnyUpstreamCall()
    {
        using var response = await Proxy.Client.PostAsync("/v1/messages",
            new StringContent("""{"model":"claude-alias","messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("max_tokens", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Create_UpstreamRateLimited_IsRateLimitErrorWithRetryAfter()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.Headers.RetryAfter = "7";
            await FakeOpenAI.WriteErrorAsync(context, 429, """{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}""");
        };

        using var response = await Proxy.Client.PostAsync("/v1/messages",
            new StringContent("""{"model":"claude-alias","max_tokens":5,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal("7", response.Headers.RetryAfter!.ToString());
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(("rate_limit_error", "Rate limit reached for requests"), (error.GetProperty("type").GetString(), error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task CreateStreaming_UpstreamDiesMidStream_EndsWithAnErrorEvent()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("""data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Half"},"finish_reason":null}]}""" + "\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(300); // let the chunk reach the proxy before the reset discards it
            context.Abort();
        };

        using var response = await Proxy.Client.PostAsync("/v1/messages",
            new StringContent("""{"model":"claude-alias","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));
        var raw = await response.Content.ReadAsStringAsync();
        var events = SseEvents.Parse(raw);

        Assert.True(events[0].Event == "message_start", raw);
        Assert.Contains(events, e => e.Event == "content_block_delta" && e.Data.Contains("Half"));
        Assert.Equal("error", events[^1].Event);
        Assert.Equal("api_error", events[^1].Json.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain(events, e => e.Event == "message_stop");
    }

    [Fact]
    public async Task CountTokens_ProviderWithoutCounting_AnswersAnEstimate()
    {
        var client = AnthropicClientFactory.Create(Proxy);

        var count = await client.Messages.CountTokens(new MessageCountTokensParams
        {
            Model = "claude-alias",
            Messages = [new UserMessageParam("Count the tokens of this sentence, roughly.")],
        });

        Assert.InRange(count.InputTokens, 8, 16);
        Assert.Empty(Upstream.Requests);
    }
}
