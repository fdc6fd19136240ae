using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIChat;

/// <summary>Every error a client can meet on the chat route, in OpenAI's shape and status; the proxy serves on after each.</summary>
public sealed class ErrorResponseTests() : ProxiedUpstreamTestBase("gpt-test", sections: Limits)
{
    private const string Limits = """ "routing": { "firstByteTimeoutMs": 2000, "timeoutMs": 2000 }, "server": { "maxBodyBytes": 4096 }, """;
    private const string Chat = """{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}""";

    [Theory]
    [InlineData("{\"model\":\"gpt-test\",", "not valid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"messages\":[]}", "model parameter")]
    [InlineData("{\"model\":42}", "'model' must be a string")]
    [InlineData("{\"model\":\"gpt-test\",\"stream\":\"yes\"}", "'stream' must be a boolean")]
    [InlineData("{\"model\":\"gpt-test\"} trailing", "not valid JSON")]
    [InlineData("", "body is empty")]
    public async Task Post_MalformedBody_Is400WithTheReason(string body, string reason)
    {
        var (status, error) = await PostAsync(body);

        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains(reason, error.GetProperty("message").GetString());
        Assert.Empty(Upstream.Requests);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Post_UnknownModel_Is400ModelNotFound()
    {
        var (status, error) = await PostAsync("""{"model":"gpt-nope","messages":[]}""");

        Assert.Equal(400, status);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("gpt-nope", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Post_BodyOverLimit_Is413()
    {
        var (status, error) = await PostAsync(Chat.Replace("hi", new string('x', 5000)));

        Assert.Equal(413, status);
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Is413()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Chat.Replace("hi", new string('x', 5000)))));
        content.Headers.ContentLength = null;
        var response = await Proxy.Client.PostAsync("/v1/chat/completions", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Get_UnknownRoute_Is404InOpenAIShape()
    {
        var response = await Proxy.Client.GetAsync("/v1/engines");
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_route", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Upstream400_PassesThroughWithProvidersMessage()
    {
        Upstream.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 400,
            """{"error":{"message":"Invalid 'messages[0].content': string too long.","type":"invalid_request_error","param":"messages[0].content","code":"string_above_max_length"}}""");

        var (status, error) = await PostAsync(Chat);

        Assert.Equal(400, status);
        Assert.Equal("Invalid 'messages[0].content': string too long.", error.GetProperty("message").GetString());
        Assert.Equal("string_above_max_length", error.GetProperty("code").GetString());
        Assert.Equal("messages[0].content", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Upstream429_Is429WithRetryAfter()
    {
        Upstream.Override = async (context, _) =>
        {
            context.Response.Headers.RetryAfter = "7";
            await FakeOpenAI.WriteErrorAsync(context, 429,
                """{"error":{"message":"Rate limit reached for gpt-4o-mini.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""");
        };

        var response = await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(Chat));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Contains("Rate limit reached", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Upstream500_Is502WithProvidersMessage()
    {
        Upstream.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 500,
            """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""");

        var (status, error) = await PostAsync(Chat);

        Assert.Equal(502, status);
        Assert.Contains("The server had an error", error.GetProperty("message").GetString());
        Assert.Equal("upstream_error", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task UpstreamRejectsProxyKey_Is502NotTheClients401()
    {
        Upstream.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 401,
            """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""");

        var (status, error) = await PostAsync(Chat);

        Assert.Equal(502, status);
        Assert.Equal("upstream_auth_failed", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task UpstreamHangs_Is504()
    {
        Upstream.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);

        var (status, error) = await PostAsync(Chat);

        Assert.Equal(504, status);
        Assert.Equal("upstream_timeout", error.GetProperty("code").GetString());
        await Upstream.Server.CallerAborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task UpstreamClosesConnectionWithoutAnswer_Is502()
    {
        Upstream.Override = (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };

        var (status, error) = await PostAsync(Chat);

        Assert.Equal(502, status);
        Assert.StartsWith("upstream_", error.GetProperty("code").GetString());
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task UpstreamUnreachable_Is502()
    {
        var closedPort = LoopbackPort.Free();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt-test",
            $$"""{ "type": "openai", "baseUrl": "http://127.0.0.1:{{closedPort}}/v1", "apiKey": "k" }"""));

        var response = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(Chat));
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unreachable", error.GetProperty("code").GetString());
        Assert.DoesNotContain("\"k\"", error.ToString());
    }

    [Fact]
    public async Task FirstDeploymentUnreachable_SecondServes()
    {
        var closedPort = LoopbackPort.Free();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt-test",
            $$"""{ "type": "openai", "baseUrl": "http://127.0.0.1:{{closedPort}}/v1", "apiKey": "k" }""", ProxyHost.OpenAIProvider(Upstream)));

        var response = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(Chat));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("p1/upstream-model-1", response.Headers.GetValues("x-llm-proxy-deployment").Single());
    }

    [Fact]
    public async Task EveryDeploymentFails_Is503SummarisingEachAttempt()
    {
        Upstream.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 503, """{"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}""");
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("gpt-test", ProxyHost.OpenAIProvider(Upstream), ProxyHost.OpenAIProvider(Upstream)));

        var response = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(Chat));
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("p0/upstream-model-0: HTTP 503 overloaded", message);
        Assert.Contains("p1/upstream-model-1: HTTP 503 overloaded", message);
    }

    private async Task<(int Status, JsonElement Error)> PostAsync(string body)
    {
        var response = await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var json = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, JsonDocument.Parse(json).RootElement.GetProperty("error"));
    }

    private async Task AssertStillServingAsync()
    {
        Upstream.Override = null;
        var response = await Proxy.Client.PostAsync("/v1/chat/completions", new StringContent(Chat));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
