using System.Net.Http.Headers;
using System.Text;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// The translation matrix: every client dialect x every provider type x stream and non-stream x every
/// <see cref="MatrixScenario"/>, through the real proxy to <see cref="MatrixUpstream"/>, which answers from fixtures
/// in each provider's exact wire format. Each cell checks what the client ends up with, read by its own dialect's
/// rules, and what the provider received. A new dialect is a row here and a client reader; a new provider is a
/// column, a fixture folder and its received-request checks.
/// </summary>
public sealed class TranslationMatrixTests(TranslationMatrixTests.Host host) : IClassFixture<TranslationMatrixTests.Host>
{
    public static readonly string[] Dialects = ["openai", "anthropic", "responses", "completions"];

    /// <summary>Provider type and the wire format it speaks.</summary>
    public static readonly (string Type, string Format)[] Providers = [("openai", "openai"), ("azure", "openai"), ("anthropic", "anthropic"), ("gemini", "gemini"), ("bedrock", "bedrock")];

    public static TheoryData<string, string, bool, string> Cells()
    {
        var cells = new TheoryData<string, string, bool, string>();
        foreach (var dialect in Dialects)
        {
            foreach (var (provider, _) in Providers)
            {
                foreach (var stream in new[] { false, true })
                {
                    foreach (var scenario in MatrixScenario.All)
                    {
                        // A scenario the dialect cannot say (a Chat Completions tool message holds text only) is no cell.
                        if (scenario.RequestFor(dialect) is not null)
                        {
                            cells.Add(dialect, provider, stream, scenario.Name);
                        }
                    }
                }
            }
        }
        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Client_ThroughProvider_GetsWhatTheProviderMeant(string dialect, string provider, bool stream, string scenarioName)
    {
        var scenario = MatrixScenario.All.Single(s => s.Name == scenarioName);
        var format = Providers.Single(p => p.Type == provider).Format;
        var build = scenario.RequestFor(dialect)!;
        var body = build($"{provider}-{scenario.Name}", stream);

        using var request = new HttpRequestMessage(HttpMethod.Post, dialect switch { "openai" => "/v1/chat/completions", "anthropic" => "/v1/messages", "completions" => "/v1/completions", _ => "/v1/responses" })
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (dialect == "anthropic")
        {
            request.Headers.Add("anthropic-version", "2023-06-01");
        }
        using var response = await host.Proxy.Client.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}: {answer}");

        var outcome = dialect switch
        {
            "openai" => OpenAIChatClientReader.Read(answer, stream),
            "anthropic" => AnthropicClientReader.Read(answer, stream),
            "completions" => CompletionsClientReader.Read(answer, stream),
            _ => ResponsesClientReader.Read(answer, stream),
        };
        Assert.Equal(scenario.ExpectedFor(format, dialect).ToString(), outcome.ToString());

        if (scenario.Received is { } check)
        {
            var sent = host.Upstream.LastFor(provider, scenario.Name).Json;
            var passThrough = dialect == format || (dialect == "completions" && format == "openai");
            Assert.Empty(check(format, passThrough, sent));
        }
    }

    /// <summary>One fake upstream and one proxy for the whole matrix: every provider type, one alias per provider and scenario.</summary>
    public sealed class Host : IAsyncLifetime
    {
        public MatrixUpstream Upstream { get; private set; } = null!;

        public ProxyHost Proxy { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Upstream = await MatrixUpstream.StartAsync();
            var root = Upstream.BaseUrl.ToString().TrimEnd('/');
            var models = new List<string>();
            foreach (var (provider, _) in Providers)
            {
                foreach (var scenario in MatrixScenario.All)
                {
                    // Bedrock's model ids name the model family; Claude's is the one that reports which stop sequence matched.
                    var model = provider == "bedrock" ? $"anthropic.claude-scenario-{scenario.Name}-v1:0" : $"scenario-{scenario.Name}";
                    models.Add($"\"{provider}-{scenario.Name}\": [ {{ \"provider\": \"{provider}\", \"model\": \"{model}\" }} ]");
                }
            }
            Proxy = await ProxyHost.StartAsync($$"""
                {
                  "providers": {
                    "openai": { "type": "openai", "baseUrl": "{{root}}/v1", "apiKey": "sk-upstream" },
                    "azure": { "type": "azure", "baseUrl": "{{root}}", "apiKey": "azure-key" },
                    "anthropic": { "type": "anthropic", "baseUrl": "{{root}}", "apiKey": "sk-ant" },
                    "gemini": { "type": "gemini", "baseUrl": "{{root}}", "apiKey": "gemini-key" },
                    "bedrock": { "type": "bedrock", "baseUrl": "{{root}}", "region": "us-east-1", "accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "secret" }
                  },
                  "models": { {{string.Join(",\n", models)}} },
                  "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "matrix" } ]
                }
                """);
            Proxy.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ProxyHost.ClientKey);
        }

        public async Task DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
