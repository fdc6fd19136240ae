using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Observability;

/// <summary>The access log as an operator reads it: a JSON line per request, whatever its end, never a secret or a prompt.</summary>
public sealed class AccessLogTests : IAsyncLifetime
{
    private const string Prompt = "my-confidential-prompt-7f3a";
    private const string WrongKey = "sk-not-a-key-but-a-secret-9b1c";

    private readonly string _folder = Directory.CreateTempSubdirectory("llm-proxy-access-").FullName;
    private ProxyHost _proxy = null!;

    private string LogPath => Path.Combine(_folder, "access.log");

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(
        $$""" "accessLog": { "path": "{{LogPath}}" }, """, "mocked", """{ "type": "mock" }"""));

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Requests_OfEveryKind_EachGetOneParsableLineWithoutSecretsOrPrompts()
    {
        using var chat = await _proxy.Client.PostAsync("/v1/chat/completions", new StringContent(
            $$"""{"model":"echo","messages":[{"role":"user","content":"{{Prompt}}"}]}""", Encoding.UTF8, "application/json"));
        using var missing = await _proxy.Client.GetAsync("/nowhere?token=abc");
        using var unauthorized = new HttpClient { BaseAddress = _proxy.Client.BaseAddress };
        unauthorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", WrongKey);
        using var refused = await unauthorized.GetAsync("/v1/models");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Unauthorized), (chat.StatusCode, missing.StatusCode, refused.StatusCode));

        var lines = await LinesAsync(3);

        var text = string.Join("\n", lines);
        Assert.DoesNotContain(Prompt, text);
        Assert.DoesNotContain(WrongKey, text);
        Assert.DoesNotContain(ProxyHost.ClientKey, text);
        Assert.DoesNotContain("token=abc", text); // paths without their query
        var byId = lines.Select(line => JsonDocument.Parse(line).RootElement).ToDictionary(line => line.GetProperty("request_id").GetString()!);

        var served = byId[RequestId(chat)];
        Assert.Equal(("POST", "/v1/chat/completions", 200, "test", "echo"), (served.GetProperty("method").GetString(), served.GetProperty("path").GetString(),
            served.GetProperty("status").GetInt32(), served.GetProperty("key").GetString(), served.GetProperty("alias").GetString()));
        Assert.Equal(("mock", "echo", "chat.completions", 1), (served.GetProperty("provider").GetString(), served.GetProperty("deployment").GetString(),
            served.GetProperty("dialect").GetString(), served.GetProperty("attempts").GetInt32()));
        Assert.True(served.GetProperty("input_tokens").GetInt64() > 0 && served.GetProperty("output_tokens").GetInt64() > 0, served.ToString());
        Assert.True(served.GetProperty("latency_ms").GetDouble() >= served.GetProperty("overhead_ms").GetDouble(), served.ToString());
        Assert.Equal(JsonValueKind.Number, served.GetProperty("cost_usd").ValueKind);

        var notFound = byId[RequestId(missing)];
        Assert.Equal(("/nowhere", 404), (notFound.GetProperty("path").GetString(), notFound.GetProperty("status").GetInt32()));
        Assert.False(notFound.TryGetProperty("alias", out _));

        var noKey = byId[RequestId(refused)];
        Assert.Equal(401, noKey.GetProperty("status").GetInt32());
        Assert.False(noKey.TryGetProperty("key", out _), "a key that did not authenticate has no name to log");
    }

    private static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("x-request-id").Single();

    // The log's thread writes within a gathering (250 ms) of each request.
    private async Task<string[]> LinesAsync(int count)
    {
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(LogPath) && ReadShared(LogPath).Split('\n', StringSplitOptions.RemoveEmptyEntries) is { } lines && lines.Length >= count)
            {
                Assert.Equal(count, lines.Length);
                return lines;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"the access log did not get {count} lines");
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
