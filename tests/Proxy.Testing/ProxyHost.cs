using System.Net.Http.Headers;
using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.Testing;

/// <summary>The real proxy app, in process, on Kestrel at 127.0.0.1 and a free port, built from a config text.</summary>
public sealed class ProxyHost : IAsyncDisposable
{
    public const string ClientKey = "sk-test-client";
    private readonly WebApplication _app;
    private readonly RecordingUsageRecorder _usage;

    private ProxyHost(WebApplication app, RecordingUsageRecorder usage)
    {
        _app = app;
        _usage = usage;
        Root = new Uri(app.Urls.First());
        Client = new HttpClient { BaseAddress = Root, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ClientKey);
    }

    public Uri Root { get; }

    /// <summary>An HttpClient that sends the test client key.</summary>
    public HttpClient Client { get; }

    internal IReadOnlyList<UsageRecord> Usage => _usage.Records.ToArray();

    /// <summary>
    /// Starts the proxy; <paramref name="configJson"/> may use <c>${NAME}</c> resolved from <paramref name="environment"/>;
    /// <paramref name="services"/> may replace the proxy's own services (a faulty upstream connection, a usage recorder).
    /// </summary>
    public static async Task<ProxyHost> StartAsync(string configJson, IReadOnlyDictionary<string, string>? environment = null,
        Action<IServiceCollection>? services = null)
    {
        var config = ConfigLoader.Parse(configJson, "test-config.json", new EnvironmentExpander(name => environment?.GetValueOrDefault(name)));
        var usage = new RecordingUsageRecorder();
        var app = ProxyApp.Create(config, "http://127.0.0.1:0", collection =>
        {
            collection.AddSingleton<IUsageRecorder>(usage);
            services?.Invoke(collection);
        });
        await app.StartAsync();
        return new ProxyHost(app, usage);
    }

    /// <summary>A config with one model alias <paramref name="alias"/> over the given provider JSON objects, in order.</summary>
    public static string Config(string alias, params string[] providers) => ConfigWith("", alias, providers);

    /// <summary>As <see cref="Config"/>, with more top-level sections (e.g. <c>"routing": {...},</c>) put first.</summary>
    public static string ConfigWith(string sections, string alias, params string[] providers)
    {
        var providerEntries = string.Concat(providers.Select((p, i) => $", \"p{i}\": {p}"));
        var deployments = string.Join(",", providers.Select((_, i) => $$"""{ "provider": "p{{i}}", "model": "upstream-model-{{i}}" }"""));
        return $$"""
            {
              {{sections}}
              "providers": { "mock": { "type": "mock" }{{providerEntries}} },
              "models": { "{{alias}}": [ {{deployments}} ], "echo": [ { "provider": "mock", "model": "echo" } ] },
              "keys": [ { "key": "{{ClientKey}}", "name": "test" } ]
            }
            """;
    }

    public static string OpenAIProvider(FakeOpenAI fake, string extra = "") =>
        $$"""{ "type": "openai", "baseUrl": "{{fake.BaseUrl}}", "apiKey": "{{FakeOpenAI.Key}}" {{extra}} }""";

    public static string AnthropicProvider(FakeAnthropic fake) =>
        $$"""{ "type": "anthropic", "baseUrl": "{{fake.BaseUrl}}", "apiKey": "{{FakeAnthropic.Key}}" }""";

    public static string GeminiProvider(FakeGemini fake, string key = FakeGemini.Key) =>
        $$"""{ "type": "gemini", "baseUrl": "{{fake.BaseUrl}}", "apiKey": "{{key}}" }""";

    /// <summary>A Bedrock provider signing with SigV4 (the fake's example key, or <paramref name="secret"/>), or with its API key when <paramref name="apiKey"/>.</summary>
    public static string BedrockProvider(FakeBedrock fake, string secret = FakeBedrock.SecretAccessKey, string? sessionToken = null, bool apiKey = false) => apiKey
        ? $$"""{ "type": "bedrock", "baseUrl": "{{fake.BaseUrl}}", "region": "{{FakeBedrock.Region}}", "apiKey": "{{FakeBedrock.ApiKey}}" }"""
        : $$"""{ "type": "bedrock", "baseUrl": "{{fake.BaseUrl}}", "region": "{{FakeBedrock.Region}}", "accessKeyId": "{{FakeBedrock.AccessKeyId}}", "secretAccessKey": "{{secret}}"{{(sessionToken is null ? "" : $", \"sessionToken\": \"{sessionToken}\"")}} }""";

    public static string AzureProvider(FakeOpenAI fake) =>
        $$"""{ "type": "azure", "baseUrl": "{{fake.BaseUrl}}", "apiKey": "{{FakeOpenAI.Key}}", "apiVersion": "2024-10-21" }""";

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token);
        await _app.DisposeAsync();
    }
}
