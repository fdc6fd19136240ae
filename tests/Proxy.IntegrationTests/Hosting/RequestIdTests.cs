using System.Net;
using System.Text;
using LlmProxy.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>Every answer's x-request-id (the client's or the proxy's), and the orchestrator probes /health/live and /health/ready.</summary>
public sealed class RequestIdTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;
    private HttpClient _client = null!; // sends no key unless a test gives one

    public async Task InitializeAsync()
    {
        _proxy = await ProxyHost.StartAsync(ProxyHost.Config("mocked", """{ "type": "mock" }"""));
        _client = new HttpClient { BaseAddress = _proxy.Client.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
    }

    [Theory]
    [InlineData("GET", "/health", null, HttpStatusCode.OK)]
    [InlineData("GET", "/nowhere", null, HttpStatusCode.NotFound)]
    [InlineData("PUT", "/health", null, HttpStatusCode.MethodNotAllowed)]
    [InlineData("POST", "/v1/chat/completions", "sk-wrong", HttpStatusCode.Unauthorized)]
    [InlineData("POST", "/v1/chat/completions", ProxyHost.ClientKey, HttpStatusCode.OK)]
    [InlineData("POST", "/v1/chat/completions", ProxyHost.ClientKey + "|bad-body", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/admin/keys", null, HttpStatusCode.NotFound)]
    public async Task AnyAnswer_ClientSentNoId_CarriesANewOne(string method, string path, string? key, HttpStatusCode status)
    {
        using var response = await SendAsync(method, path, key, id: null);

        Assert.Equal(status, response.StatusCode);
        Assert.Matches("^req_[0-9a-f]{32}$", response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task Answers_TwoRequests_GetDifferentIds()
    {
        using var first = await SendAsync("GET", "/health", null, null);
        using var second = await SendAsync("GET", "/health", null, null);

        Assert.NotEqual(first.Headers.GetValues("x-request-id").Single(), second.Headers.GetValues("x-request-id").Single());
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/v1/chat/completions")]
    [InlineData("/nowhere")]
    public async Task AnyAnswer_ClientSentAUsableId_EchoesIt(string path)
    {
        var id = "trace-" + new string('x', 100) + "!~";
        using var response = await SendAsync(path == "/v1/chat/completions" ? "POST" : "GET", path, ProxyHost.ClientKey, id);

        Assert.Equal(id, response.Headers.GetValues("x-request-id").Single());
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("del\u007f")]
    [InlineData("")]
    public async Task Answer_ClientIdNotUsable_IsReplacedNotEchoed(string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.TryAddWithoutValidation("x-request-id", id);

        using var response = await _client.SendAsync(request);

        Assert.Matches("^req_[0-9a-f]{32}$", response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task Answer_ClientIdLongerThan128_IsReplaced()
    {
        using var response = await SendAsync("GET", "/health", null, new string('a', 129));

        Assert.Matches("^req_[0-9a-f]{32}$", response.Headers.GetValues("x-request-id").Single());
    }

    [Fact]
    public async Task Messages_AnyAnswer_CarriesTheIdAsAnthropicsRequestIdToo()
    {
        using var response = await SendAsync("POST", "/v1/messages", "sk-wrong", "client-id-7");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("client-id-7", response.Headers.GetValues("request-id").Single());
        Assert.Equal("client-id-7", response.Headers.GetValues("x-request-id").Single());
    }

    [Theory]
    [InlineData("/health/live", """{"status":"live"}""")]
    [InlineData("/health/ready", """{"status":"ready"}""")]
    public async Task Probe_RunningProxy_Is200WithoutAKey(string path, string body)
    {
        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task ReadyProbe_ProxyStopping_Is503()
    {
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("mocked", """{ "type": "mock" }"""));
        var lifetime = proxy.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        var probes = proxy.Services.GetRequiredService<LlmProxy.Hosting.HealthProbes>();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        lifetime.StopApplication();
        await probes.ReadyAsync(context);

        Assert.Equal(503, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        Assert.Equal("""{"status":"stopping"}""", await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    // key: null for none; "KEY|bad-body" sends that key with a body that is not JSON.
    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? key, string? id)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var badBody = key?.EndsWith("|bad-body", StringComparison.Ordinal) == true;
        key = badBody ? key![..^"|bad-body".Length] : key;
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        }
        if (id is not null)
        {
            request.Headers.TryAddWithoutValidation("x-request-id", id);
        }
        if (method == "POST")
        {
            var body = badBody ? "not json" : path == "/v1/messages"
                ? """{"model":"echo","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""
                : """{"model":"echo","messages":[{"role":"user","content":"hi"}]}""";
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return await _client.SendAsync(request);
    }
}
