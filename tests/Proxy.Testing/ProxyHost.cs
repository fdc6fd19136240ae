using System.Net.Http.Headers;
using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Observability;
using LlmProxy.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace LlmProxy.Testing;

/// <summary>
/// The real proxy app, in process, on Kestrel at 127.0.0.1 and a free port, built from a config text. Its database
/// lives in a fresh temporary folder (as if the config file were there, so the default <c>data/llm-proxy.db</c> and
/// any relative <c>storage.path</c> land in it), deleted on dispose; <see cref="StartOnDatabaseAsync"/> reuses a file.
/// </summary>
public sealed class ProxyHost : IAsyncDisposable
{
    public const string ClientKey = "sk-test-client";
    private readonly WebApplication _app;
    private readonly RecordingUsageRecorder _usage;
    private readonly string? _ownedFolder;

    private ProxyHost(WebApplication app, RecordingUsageRecorder usage, string databasePath, string? ownedFolder)
    {
        _app = app;
        _usage = usage;
        _ownedFolder = ownedFolder;
        DatabasePath = databasePath;
        Root = new Uri(app.Urls.First());
        Client = new HttpClient { BaseAddress = Root, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ClientKey);
    }

    public Uri Root { get; }

    /// <summary>An HttpClient that sends the test client key.</summary>
    public HttpClient Client { get; }

    /// <summary>The SQLite file the proxy stores into (full path).</summary>
    public string DatabasePath { get; }

    /// <summary>The proxy's own services (the response store, the runtime...).</summary>
    public IServiceProvider Services => _app.Services;

    internal IReadOnlyList<UsageRecord> Usage => _usage.Records.ToArray();

    /// <summary>The one usage record so far: recorded just after the answer's last byte, so waited for rather than raced.</summary>
    internal async Task<UsageRecord> WaitForUsageAsync()
    {
        for (var i = 0; i < 250 && Usage.Count == 0; i++)
        {
            await Task.Delay(20);
        }
        var records = Usage;
        return records.Count == 1 ? records[0] : throw new InvalidOperationException($"expected one usage record, found {records.Count}");
    }

    /// <summary>
    /// Starts the proxy; <paramref name="configJson"/> may use <c>${NAME}</c> resolved from <paramref name="environment"/>;
    /// <paramref name="services"/> may replace the proxy's own services (a faulty upstream connection, a usage recorder).
    /// </summary>
    public static async Task<ProxyHost> StartAsync(string configJson, IReadOnlyDictionary<string, string>? environment = null,
        Action<IServiceCollection>? services = null)
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-test-").FullName;
        try
        {
            var config = Parse(configJson, Path.Combine(folder, "test-config.json"), environment);
            return await StartAsync(config, services, folder);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// As <see cref="StartAsync(string, IReadOnlyDictionary{string, string}?, Action{IServiceCollection}?)"/>, on the
    /// database at <paramref name="databasePath"/> whatever the config says (to restart a proxy on the same file); the
    /// caller owns the file and deletes it.
    /// </summary>
    public static Task<ProxyHost> StartOnDatabaseAsync(string databasePath, string configJson, IReadOnlyDictionary<string, string>? environment = null,
        Action<IServiceCollection>? services = null)
    {
        var config = Parse(configJson, "test-config.json", environment);
        return StartAsync(config with { Storage = config.Storage with { Path = Path.GetFullPath(databasePath) } }, services, ownedFolder: null);
    }

    private static ProxyConfig Parse(string configJson, string fileName, IReadOnlyDictionary<string, string>? environment) =>
        ConfigLoader.Parse(configJson, fileName, new EnvironmentExpander(name => environment?.GetValueOrDefault(name)));

    private static async Task<ProxyHost> StartAsync(ProxyConfig config, Action<IServiceCollection>? services, string? ownedFolder)
    {
        var usage = new RecordingUsageRecorder();
        var app = ProxyApp.Create(config, "http://127.0.0.1:0", collection =>
        {
            // Proxies run side by side in the test process: each has a meter of its own, so its /metrics counts only its requests.
            var meter = "llm_proxy_test_" + Guid.NewGuid().ToString("N");
            collection.AddSingleton(new ProxyMeterName(meter));
            collection.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(meter));
            collection.AddSingleton<IUsageRecorder>(provider =>
            {
                usage.Next = provider.GetService<UsageLedger>();
                return usage;
            });
            services?.Invoke(collection);
        });
        await app.StartAsync();
        return new ProxyHost(app, usage, config.Storage.Path, ownedFolder);
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
        // Disposing the app disposes the store, which closes its connections: the folder can go.
        await _app.DisposeAsync();
        if (_ownedFolder is not null)
        {
            Directory.Delete(_ownedFolder, recursive: true);
        }
    }
}
