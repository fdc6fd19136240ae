using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Microsoft.AspNetCore.Http;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.Anthropic;

/// <summary>The official Anthropic client on /v1/messages, served by Claude itself: the same-dialect pass-through.</summary>
public sealed class AnthropicPassThroughTests() : ProxiedAnthropicTestBase("claude-alias")
{
    private const string CachedBody = """
        {"model":"claude-alias","max_tokens":100,"system":[{"type":"text","text":"Long shared context.","cache_control":{"type":"ephemeral"}}],
         "messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral","ttl":"1h"}}]}],
         "context_management":{"edits":[]},"some_future_field":{"x":[1,2,3]}}
        """;

    // Found by a tester: a non-ASCII anthropic-beta failed at the provider's door as a connect error, and three of them
    // put a healthy deployment in cooldown for everyone.
    [Theory]
    [InlineData("anthropic-beta")]
    [InlineData("anthropic-version")]
    public async Task Post_ForwardedHeaderThatIsNotAscii_Is400NamingItAndTheDeploymentStaysHealthy(string header)
    {
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = Proxy.Root };
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
            {
                Content = new StringContent("""{"model":"claude-alias","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-api-key", ProxyHost.ClientKey);
            request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
            request.Headers.Remove(header);
            request.Headers.TryAddWithoutValidation(header, "café");
            using var response = await client.SendAsync(request);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains($"'{header}' header must be ASCII", error.GetProperty("message").GetString());
        }

        var health = await Proxy.Client.GetStringAsync("/health");
        Assert.Contains("\"state\":\"healthy\"", health);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Create_TextAnswer_ComesBackAsClaudeSentIt()
    {
        var client = AnthropicClientFactory.Create(Proxy);

        var message = await client.Messages.Create(new MessageCreateParams { Model = "claude-alias", MaxTokens = 64, Messages = [new UserMessageParam("Say hello")] });

        Assert.Equal(AnthropicStreamScript.Id, message.ID);
        Assert.Equal("Hello from the fake Claude", message.Content.Select(b => b.Value).OfType<TextBlock>().Single().Text);
        Assert.Equal((12L, 30L, 5L), (message.Usage.InputTokens, message.Usage.CacheReadInputTokens ?? -1, message.Usage.CacheCreationInputTokens ?? -1));
        var usage = await WaitForUsageAsync();
        Assert.Equal(new LlmProxy.Canonical.TokenUsage(47, 9, 30, 5), usage.Tokens);
    }

    [Fact]
    public async Task Post_UnknownFieldsAndCacheControl_ReachClaudeByteForByteWithOnlyTheModelRewritten()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(CachedBody, Encoding.UTF8, "application/json") };
        request.Headers.Add("anthropic-version", "2099-01-01");
        request.Headers.Add("anthropic-beta", "context-management-2025-06-27,extended-cache-ttl-2025-04-11");

        using var response = await Proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal(CachedBody.Replace("\"claude-alias\"", "\"upstream-model-0\""), sent.BodyText);
        Assert.Equal("2099-01-01", sent.Header("anthropic-version"));
        Assert.Equal("context-management-2025-06-27,extended-cache-ttl-2025-04-11", sent.Header("anthropic-beta"));
        Assert.Equal(FakeAnthropic.Key, sent.Header("x-api-key"));
        Assert.Null(sent.Header("Authorization"));
        // The provider's id moves aside; Anthropic's SDKs read the proxy's own as request-id.
        Assert.Equal("req_011CSHoEeqs5C35K2UUqR7Fy", response.Headers.GetValues("x-llm-proxy-upstream-request-id").Single());
        var id = response.Headers.GetValues("x-request-id").Single();
        Assert.Equal(id, response.Headers.GetValues("request-id").Single());
        Assert.Matches("^req_[0-9a-f]{32}$", id);
    }

    [Fact]
    public async Task CreateStreaming_ToolCall_ArrivesUnchangedAndUsageIsAccounted()
    {
        var client = AnthropicClientFactory.Create(Proxy);
        var json = new StringBuilder();
        var types = new List<string>();
        var tool = new Tool { Name = "get_weather", InputSchema = new InputSchema { Properties = new Dictionary<string, JsonElement>() } };

        await foreach (var e in client.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "claude-alias",
            MaxTokens = 64,
            Messages = [new UserMessageParam("Weather?")],
            Tools = [tool],
        }))
        {
            types.Add(e.Type.Raw());
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var input))
            {
                json.Append(input.PartialJson);
            }
        }

        Assert.Equal("{\"city\": \"Paris\"}", json.ToString());
        Assert.Equal(["message_delta", "message_stop"], types[^2..]);
        var usage = await WaitForUsageAsync();
        Assert.Equal(new LlmProxy.Canonical.TokenUsage(47, 9, 30, 5), usage.Tokens);
        Assert.True(usage.Stream);
    }

    [Fact]
    public async Task Stream_RawBytes_AreTheProvidersOwn()
    {
        var upstreamBytes = new MemoryStream();
        Upstream.Override = async (context, _) =>
        {
            var tee = context.Response.Body;
            context.Response.Body = new TeeStream(tee, upstreamBytes);
            await AnthropicStreamScript.WriteAsync(context, "claude-x", "one two", null);
        };

        using var response = await Proxy.Client.PostAsync("/v1/messages",
            new StringContent("""{"model":"claude-alias","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(Encoding.UTF8.GetString(upstreamBytes.ToArray()), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stream_ClaudeStopsBeforeMessageStop_EndsWithAnErrorEvent()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await AnthropicStreamScript.Event(context, "message_start", """{"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}""");
            await AnthropicStreamScript.Event(context, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
            await AnthropicStreamScript.Event(context, "content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Half"}}""");
        };

        using var response = await Proxy.Client.PostAsync("/v1/messages",
            new StringContent("""{"model":"claude-alias","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));
        var events = SseEvents.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("error", events[^1].Event);
        Assert.Contains("end marker", events[^1].Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("api_error", events[^1].Json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Create_ClaudeOverloaded_SdkSeesAnOverloadedStyleServerError()
    {
        Upstream.Override = (context, _) => FakeAnthropic.WriteErrorAsync(context, 529, "overloaded_error", "Overloaded");
        var client = AnthropicClientFactory.Create(Proxy);

        var error = await Assert.ThrowsAsync<Anthropic5xxException>(() =>
            client.Messages.Create(new MessageCreateParams { Model = "claude-alias", MaxTokens = 5, Messages = [new UserMessageParam("x")] }));

        Assert.Contains("Overloaded", error.Message);
    }

    [Fact]
    public async Task Create_ClaudeRejectsTheBody_PassesItsTypeAndMessageWith400()
    {
        using var response = await Proxy.Client.PostAsync("/v1/messages",
            new StringContent("""{"model":"claude-alias","max_tokens":5,"messages":[{"role":"assistant","content":"x"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("""{"type":"error","error":{"type":"invalid_request_error","message":"messages: first message must use the \"user\" role"}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CountTokens_ClaudeCounts_AnswersItsCount()
    {
        var client = AnthropicClientFactory.Create(Proxy);

        var count = await client.Messages.CountTokens(new MessageCountTokensParams { Model = "claude-alias", Messages = [new UserMessageParam("hi")] });

        Assert.Equal(42, count.InputTokens);
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("/v1/messages/count_tokens", sent.PathAndQuery);
        Assert.Equal("upstream-model-0", sent.Json.GetProperty("model").GetString());
        var record = Assert.Single(Proxy.Usage);
        Assert.Equal(("messages.count_tokens", 0L, 0L), (record.Dialect, record.Tokens.TotalTokens, record.CostPicoUsd)); // counting is not billed
    }

    /// <summary>Copies everything written to a second stream, to compare what the provider sent with what the client got.</summary>
    private sealed class TeeStream(Stream inner, Stream copy) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            copy.Write(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            copy.Write(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }
    }
}
