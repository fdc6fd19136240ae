using System.Net;
using System.Text;
using LlmProxy.Testing;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIChat;

/// <summary>Streams that break: the client hangs up, the upstream dies mid-stream, the upstream's bytes arrive in odd pieces.</summary>
public sealed class StreamFailureTests() : ProxiedUpstreamTestBase("gpt-test", sections: Limits)
{
    private const string Limits = """ "routing": { "firstByteTimeoutMs": 1500, "idleTimeoutMs": 1000 }, """;
    private const string StreamRequest = """{"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task ClientDisconnectsMidStream_UpstreamRequestIsCancelled()
    {
        var firstChunkSent = new TaskCompletionSource();
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: " + OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "one", null, false).First() + "\n\n");
            await context.Response.Body.FlushAsync();
            firstChunkSent.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        using var client = new HttpClient { BaseAddress = Proxy.Root };
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(StreamRequest) };
        request.Headers.Authorization = new("Bearer", ProxyHost.ClientKey);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        Assert.True(await body.ReadAsync(new byte[16]) > 0, "the first chunk reaches the client before it hangs up");
        await firstChunkSent.Task;

        response.Dispose();

        await Upstream.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task UpstreamDiesMidStream_ClientKeepsContentAndGetsErrorEventWithoutDone()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var chunk in OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "partial answer here", null, false).Take(3))
            {
                await context.Response.WriteAsync("data: " + chunk + "\n\n");
                await context.Response.Body.FlushAsync();
            }
            // A reset discards bytes the proxy has not read yet: give it time to pass the chunks on first.
            await Task.Delay(300);
            context.Abort();
        };

        var response = await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(StreamRequest));
        var events = SseText.DataOf(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(events, e => e.Contains("\"partial\"", StringComparison.Ordinal));
        Assert.Contains("upstream_truncated", events[^1]);
        Assert.DoesNotContain("[DONE]", events);
        Assert.DoesNotContain(events, e => e.Contains("\"finish_reason\":\"stop\"", StringComparison.Ordinal));
        // Billed, not free: the prompt as estimated and the output relayed before the cut (a token per content event).
        var record = await Proxy.WaitForUsageAsync();
        Assert.True(record.Estimated);
        Assert.True(record.Tokens.InputTokens > 0 && record.Tokens.OutputTokens > 0, $"{record.Tokens}");
    }

    [Fact]
    public async Task UpstreamStreamEndsWithoutDone_ClientGetsTruncationError()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var chunk in OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "cut", null, false).Take(2))
            {
                await context.Response.WriteAsync("data: " + chunk + "\n\n");
            }
        };

        var events = SseText.DataOf(await (await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(StreamRequest))).Content.ReadAsStringAsync());

        Assert.Contains("upstream_truncated", events[^1]);
    }

    [Fact]
    public async Task UpstreamStreamEndsAfterOnlyTheRoleChunk_NothingWasSentSoTheClientGetsA502()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: " + OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "cut", null, false).First() + "\n\n");
        };

        var response = await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(StreamRequest));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("upstream_truncated", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UpstreamStallsMidStream_IdleTimeoutEndsItWithErrorAndCancelsUpstream()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var chunk in OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "stalled", null, false).Take(2))
            {
                await context.Response.WriteAsync("data: " + chunk + "\n\n");
            }
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };

        var events = SseText.DataOf(await (await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(StreamRequest))).Content.ReadAsStringAsync());

        Assert.Equal(3, events.Count);
        Assert.Contains("upstream_timeout", events[^1]);
        Assert.Contains("went silent mid-stream for 1000 ms", events[^1]);
        await Upstream.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task UpstreamSendsNoHeaders_StreamIs504()
    {
        Upstream.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);

        var response = await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(StreamRequest));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("sent no response headers within 1500 ms", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UpstreamEndsWithUnterminatedDone_StreamCountsAsComplete()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            var chunk = OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "last", null, false).First();
            await context.Response.WriteAsync("data: " + chunk + "\n\ndata: [DONE]\n");
        };

        var body = await (await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(StreamRequest))).Content.ReadAsStringAsync();

        Assert.EndsWith("data: [DONE]\n", body);
        Assert.DoesNotContain("\"error\"", body);
    }

    [Fact]
    public async Task UpstreamSendsErrorEventAfterContent_IsForwardedOnce()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var chunk in OpenAIStreamScript.Chunks(FakeOpenAIFlavor.OpenAI, "m", "some", null, false).Take(2))
            {
                await context.Response.WriteAsync("data: " + chunk + "\n\n");
            }
            await context.Response.WriteAsync("data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
        };

        var events = SseText.DataOf(await (await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(StreamRequest))).Content.ReadAsStringAsync());

        Assert.Equal(3, events.Count);
        Assert.Equal("The server had an error", System.Text.Json.JsonDocument.Parse(events[^1]).RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task UpstreamSendsErrorEventBeforeContent_IsAnHttpErrorWithItsMessage()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
        };

        var response = await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(StreamRequest));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("The server had an error", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task UpstreamBytesInRandomPieces_ClientGetsTheSameEvents(int seed)
    {
        var script = OpenAIStreamScript.Stream(FakeOpenAIFlavor.OpenAI, "m", "one two three four", "get_weather", includeUsage: true)
            .Replace("\n\n", seed % 2 == 0 ? "\n\n" : "\r\n\r\n");
        Upstream.Override = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            var bytes = Encoding.UTF8.GetBytes(script);
            var random = new Random(seed);
            for (var at = 0; at < bytes.Length;)
            {
                // Seed 0 sends one byte at a time; the others cut at random places.
                var size = seed == 0 ? 1 : Math.Min(random.Next(1, 200), bytes.Length - at);
                await context.Response.Body.WriteAsync(bytes.AsMemory(at, size));
                await context.Response.Body.FlushAsync();
                at += size;
            }
        };
        var request = StreamRequest.Replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true}");

        var body = await (await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(request))).Content.ReadAsStringAsync();

        Assert.Equal(SseText.DataOf(script), SseText.DataOf(body));
        Assert.Equal(29, Assert.Single(Proxy.Usage).Tokens.TotalTokens);
    }
}
