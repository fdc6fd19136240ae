using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>Methods, HEAD, OPTIONS and CORS as HTTP says, and the same rule for every repeated field or oversized echo.</summary>
public sealed class HttpSemanticsTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;
    private ProxyHost _withCors = null!;

    public async Task InitializeAsync()
    {
        _proxy = await ProxyHost.StartAsync(ProxyHost.Config("mocked", """{ "type": "mock" }"""));
        _withCors = await ProxyHost.StartAsync(ProxyHost.ConfigWith("""
            "server": { "cors": { "allowedOrigins": ["https://app.example.com"] } },
            """, "mocked", """{ "type": "mock" }"""));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _withCors.DisposeAsync();
    }

    [Theory]
    [InlineData("GET", "/v1/chat/completions", "POST, OPTIONS")]
    [InlineData("PUT", "/v1/messages", "POST, OPTIONS")]
    [InlineData("DELETE", "/v1/messages/count_tokens", "POST, OPTIONS")]
    [InlineData("POST", "/v1/models", "GET, HEAD, OPTIONS")]
    [InlineData("DELETE", "/v1/models/echo", "GET, HEAD, OPTIONS")]
    [InlineData("POST", "/health", "GET, HEAD, OPTIONS")]
    // Routes match in any case and with a trailing slash, so their wrong methods do too (found by a tester).
    [InlineData("POST", "/health/", "GET, HEAD, OPTIONS")]
    [InlineData("GET", "/V1/CHAT/COMPLETIONS", "POST, OPTIONS")]
    [InlineData("GET", "/v1/chat/completions/", "POST, OPTIONS")]
    [InlineData("GET", "/v1/responses", "POST, OPTIONS")]
    [InlineData("POST", "/v1/responses/resp_1", "GET, HEAD, DELETE, OPTIONS")]
    [InlineData("GET", "/v1/responses/resp_1/cancel", "POST, OPTIONS")]
    [InlineData("DELETE", "/v1/responses/resp_1/input_items", "GET, HEAD, OPTIONS")]
    public async Task WrongMethodOnAKnownRoute_Is405WithAllow(string method, string path, string allow)
    {
        using var response = await _proxy.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        // In the path's dialect: Anthropic's shape under /v1/messages, OpenAI's elsewhere; both say what the route takes.
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Contains($"takes {allow.Replace(", OPTIONS", "").Replace(", ", " or ")}", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/v1/models")]
    [InlineData("/v1/models/echo")]
    public async Task Head_IsGetWithoutABody(string path)
    {
        using var get = await _proxy.Client.GetAsync(path);
        using var head = await _proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Options_WithoutCors_SaysWhatTheRouteTakes()
    {
        using var response = await _proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("POST, OPTIONS", string.Join(", ", response.Content.Headers.Allow));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), "CORS is off unless server.cors says otherwise");
    }

    [Fact]
    public async Task Preflight_FromAnAllowedOrigin_IsAnsweredWithoutAKey()
    {
        using var http = new HttpClient { BaseAddress = _withCors.Root };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        preflight.Headers.Add("Origin", "https://app.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os");

        using var response = await http.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://app.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("x-stainless-os", response.Headers.GetValues("Access-Control-Allow-Headers").Single());
    }

    [Fact]
    public async Task Request_FromAnAllowedOrigin_ExposesTheProxysHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"echo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", "https://app.example.com");

        using var response = await _withCors.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://app.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("x-llm-proxy-deployment", response.Headers.GetValues("Access-Control-Expose-Headers").Single());
    }

    [Fact]
    public async Task Preflight_FromAnotherOrigin_GetsNoCorsHeaders()
    {
        using var http = new HttpClient { BaseAddress = _withCors.Root };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        preflight.Headers.Add("Origin", "https://evil.example.net");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await http.SendAsync(preflight);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"echo","messages":[{"role":"user","content":"a"}],"messages":[{"role":"user","content":"b"}]}""", "messages")]
    [InlineData("/v1/chat/completions", """{"model":"echo","stream":false,"messages":[{"role":"user","content":"a"}],"stream":true}""", "stream")]
    [InlineData("/v1/messages", """{"model":"echo","max_tokens":5,"max_tokens":50,"messages":[{"role":"user","content":"a"}]}""", "max_tokens")]
    [InlineData("/v1/messages", """{"model":"echo","model":"other","max_tokens":5,"messages":[{"role":"user","content":"a"}]}""", "model")]
    public async Task FieldGivenTwice_AnyField_Is400NamingIt(string path, string body, string field)
    {
        var (status, error) = await PostAsync(path, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"'{field}' appears twice", error);
    }

    [Fact]
    public async Task NestedFieldGivenTwice_OnATranslatedPath_Is400()
    {
        var (status, error) = await PostAsync("/v1/chat/completions", """{"model":"echo","messages":[{"role":"user","role":"system","content":"a"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("repeats a field", error);
    }

    [Theory]
    [InlineData("""{"model":"echo","max_tokens":5,"messages":[]}""", "at least one message")]
    [InlineData("""{"model":"echo","max_tokens":5,"messages":[{"role":"user","content":{"type":"text","text":"hi"}}]}""", "must be a string or an array")]
    [InlineData("""{"model":"echo","max_tokens":5,"temperature":1.5,"messages":[{"role":"user","content":"a"}]}""", "'temperature' must be a number from 0 to 1")]
    [InlineData("""{"model":"echo","max_tokens":5,"top_p":-0.1,"messages":[{"role":"user","content":"a"}]}""", "'top_p' must be a number from 0 to 1")]
    public async Task AnthropicBody_AgainstItsApiReference_Is400SayingWhatIsWrong(string body, string reason)
    {
        var (status, error) = await PostAsync("/v1/messages", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason, error);
    }

    [Fact]
    public async Task MegabyteModelName_IsQuotedInPartOnly()
    {
        var name = new string('m', 1_000_000);
        var (status, error) = await PostAsync("/v1/chat/completions", $$"""{"model":"{{name}}","messages":[{"role":"user","content":"a"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(error.Length < 1000, $"an error repeats at most a few hundred characters of the request, got {error.Length}");
        Assert.Contains("1000000 bytes", error);
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await _proxy.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
