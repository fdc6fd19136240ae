using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>What ships: the AOT binary on the default config answers /health, a mock completion and a streamed one.</summary>
public sealed class PublishedBinaryTests : IAsyncLifetime
{
    private static readonly string DefaultConfig = Path.Combine(RepositoryRoot.Path, "config", "proxy.json");
    private PublishedBinary _binary = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _binary = await PublishedBinary.StartAsync(DefaultConfig);
        _client = new HttpClient { BaseAddress = _binary.Root };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-local-dev");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _binary.DisposeAsync();
    }

    [Fact]
    public async Task Health_DefaultConfig_IsOk()
    {
        var health = JsonDocument.Parse(await _client.GetStringAsync("/health")).RootElement;

        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task MockCompletion_DevKey_EchoesTheMessage()
    {
        var response = await _client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"echo","messages":[{"role":"user","content":"hello from the binary"}]}""", Encoding.UTF8, "application/json"));
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello from the binary", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task MockStream_DevKey_StreamsWordByWordThenDone()
    {
        var body = await (await _client.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"echo","stream":true,"messages":[{"role":"user","content":"one two three"}]}"""))).Content.ReadAsStringAsync();
        var events = SseText.DataOf(body);
        var text = string.Concat(events.Take(events.Count - 1).Select(e =>
            JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("delta") is var delta && delta.TryGetProperty("content", out var c) ? c.GetString() : ""));

        Assert.Equal("one two three", text);
        Assert.Equal("[DONE]", events[^1]);
    }

    [Fact]
    public async Task AnthropicMessagesStream_DevKey_StreamsTheMessagesGrammar()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"model":"echo","max_tokens":50,"stream":true,"system":"s","messages":[{"role":"user","content":[{"type":"text","text":"one two"}]}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", "sk-local-dev");
        request.Headers.Add("anthropic-version", "2023-06-01");

        var events = SseEvents.ParseAnthropic(await (await _client.SendAsync(request)).Content.ReadAsStringAsync());

        Assert.Equal("one two", string.Concat(events.Where(e => e.Event == "content_block_delta").Select(e => e.Json.GetProperty("delta").GetProperty("text").GetString())));
        Assert.Equal("end_turn", events[^2].Json.GetProperty("delta").GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task AnthropicMessages_BadKey_IsAnthropicShaped401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = null;
        request.Headers.Add("x-api-key", "sk-nope");
        using var anonymous = new HttpClient { BaseAddress = _binary.Root };

        var response = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Version_PrintsVersionAndExitsZero()
    {
        var (exitCode, stdout, _) = await PublishedBinary.RunAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("llm-proxy 0.", stdout);
    }

    [Fact]
    public async Task CheckConfig_InvalidConfig_ExitsNonZeroWithOneLineNamingTheField()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, """{ "providers": { "p": { "type": "mock" } }, "models": { "m": [ { "provider": "q", "model": "x" } ] } }""");

        var (exitCode, _, stderr) = await PublishedBinary.RunAsync("--check-config", path);
        File.Delete(path);

        Assert.NotEqual(0, exitCode);
        Assert.Equal("config error: models.m[0].provider: 'q' is not a configured provider", stderr.Trim());
    }

    [Theory]
    [InlineData("accessLog", "")]
    [InlineData("otelHeaders", "config error: OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value")]
    [InlineData("urls", "config error: --urls: 'ftp://x' is not an http:// listen URL")]
    public async Task Binary_UnusableStartSetting_ExitsOneWithOneLineNotAStackTrace(string setting, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-start-").FullName;
        try
        {
            // An access log path that is a folder: it cannot be appended to (a read-only folder does the same, except for root).
            Directory.CreateDirectory(Path.Combine(folder, "access.log"));
            var config = Path.Combine(folder, "proxy.json");
            await File.WriteAllTextAsync(config, $$"""
                { {{(setting == "accessLog" ? "\"accessLog\": { \"path\": \"access.log\" }," : "")}}
                  "telemetry": { "otlpEndpoint": "http://127.0.0.1:4318" },
                  "providers": { "m": { "type": "mock" } }, "models": { "echo": [ { "provider": "m", "model": "echo" } ] } }
                """);
            var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_HEADERS"] = setting == "otelHeaders" ? "authorization=secret,oops" : "" };

            var (exitCode, _, stderr) = await PublishedBinary.RunAsync(environment, "--config", config, "--urls", setting == "urls" ? "ftp://x" : "http://127.0.0.1:0");

            Assert.Equal(1, exitCode);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.StartsWith(setting == "accessLog" ? $"config error: accessLog.path: cannot append to '{Path.Combine(folder, "access.log")}'" : expected, stderr.Trim());
            Assert.DoesNotContain("secret", stderr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task CheckConfig_DefaultConfig_ExitsZero() => Assert.Equal(0, (await PublishedBinary.RunAsync("--check-config", DefaultConfig)).ExitCode);
}
