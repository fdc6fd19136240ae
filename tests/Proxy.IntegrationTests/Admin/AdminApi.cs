using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>
/// The proxy with the admin API on (master key <see cref="MasterKey"/>), two mock aliases (<c>echo</c>,
/// <c>echo-2</c>) and one config key (<c>cfg-test</c>), over its real SQLite file; a client that sends the master
/// key; and calls that answer the status and the parsed body together.
/// </summary>
internal sealed class AdminApi : IAsyncDisposable
{
    public const string MasterKey = "mk-admin-test-0123456789";
    public const string ConfigKeyId = "cfg-test";

    public static readonly string Config = $$"""
        {
          "admin": { "masterKey": "{{MasterKey}}" },
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo" } ], "echo-2": [ { "provider": "local", "model": "echo" } ] },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "rpm": 600, "budgetUsd": 12.5, "budgetPeriod": "monthly" } ]
        }
        """;

    private AdminApi(ProxyHost proxy)
    {
        Proxy = proxy;
        Client = new HttpClient { BaseAddress = proxy.Root, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MasterKey);
        Anonymous = new HttpClient { BaseAddress = proxy.Root, Timeout = TimeSpan.FromSeconds(30) };
    }

    public ProxyHost Proxy { get; }

    /// <summary>Sends the master key.</summary>
    public HttpClient Client { get; }

    /// <summary>Sends no key at all.</summary>
    public HttpClient Anonymous { get; }

    public static async Task<AdminApi> StartAsync(string? config = null, Action<IServiceCollection>? services = null) =>
        new(await ProxyHost.StartAsync(config ?? Config, services: services));

    /// <summary>As <see cref="StartAsync"/>, on the SQLite file at <paramref name="databasePath"/> (the caller deletes it).</summary>
    public static async Task<AdminApi> StartOnDatabaseAsync(string databasePath) =>
        new(await ProxyHost.StartOnDatabaseAsync(databasePath, Config));

    public Task<Answer> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<Answer> PostAsync(string path, string? json = null) => SendAsync(HttpMethod.Post, path, json);

    public Task<Answer> PatchAsync(string path, string json) => SendAsync(HttpMethod.Patch, path, json);

    public Task<Answer> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public async Task<Answer> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await Client.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    /// <summary>Creates a key from <paramref name="json"/>, asserting it was made: its id and its secret.</summary>
    public async Task<(string Id, string Secret)> CreateKeyAsync(string json = "{}")
    {
        var answer = await PostAsync("/admin/keys", json);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return (answer.Json.GetProperty("id").GetString()!, answer.Json.GetProperty("key").GetString()!);
    }

    public async Task<string> CreateTeamAsync(string json = "{}")
    {
        var answer = await PostAsync("/admin/teams", json);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return answer.Json.GetProperty("id").GetString()!;
    }

    /// <summary>A chat completion on <c>echo</c> sent with <paramref name="secret"/>: its status and error code.</summary>
    public async Task<(HttpStatusCode Status, string? Code)> ChatAsync(string secret, string model = "echo")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var response = await Anonymous.SendAsync(request);
        var answer = await Answer.ReadAsync(response);
        return (answer.Status, answer.Status == HttpStatusCode.OK ? null : answer.Error.GetProperty("code").GetString());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Proxy.DisposeAsync();
    }

    /// <summary>An HTTP answer: status, headers, body text, and the body as JSON when it is JSON.</summary>
    internal sealed record Answer(HttpStatusCode Status, string Text, string? ContentType, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders)
    {
        public JsonElement Json => JsonDocument.Parse(Text).RootElement;

        public JsonElement Error => Json.GetProperty("error");

        public static async Task<Answer> ReadAsync(HttpResponseMessage response) => new(response.StatusCode,
            await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString(), response.Headers, response.Content.Headers);

        /// <summary>Asserts an OpenAI-shaped error: its status, code and param.</summary>
        public void AssertError(HttpStatusCode status, string code, string? param = null)
        {
            Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {Text}");
            Assert.Equal(code, Error.GetProperty("code").GetString());
            Assert.Equal(param, Error.GetProperty("param").GetString());
            Assert.False(string.IsNullOrEmpty(Error.GetProperty("message").GetString()));
            Assert.False(string.IsNullOrEmpty(Error.GetProperty("type").GetString()));
        }
    }
}
