using LlmProxy.Testing;

using LlmProxy.Config;
using LlmProxy.Hosting;

namespace LlmProxy.Tests.Config;

public sealed class ConfigLoaderTests
{
    private static readonly Dictionary<string, string> Environment = new() { ["OPENAI_API_KEY"] = "sk-from-env", ["PORT"] = "9090" };

    private const string Full = """
        {
          // comments and trailing commas are allowed
          "server":  { "urls": "http://127.0.0.1:${PORT}", "maxBodyBytes": 1048576 },
          "admin":   { "masterKey": "${MASTER:-dev-master}" },
          "storage": { "type": "sqlite", "path": "data/llm-proxy.db" },
          "routing": { "retries": 2, "idleTimeoutMs": 30000 },
          "providers": {
            "oai":   { "type": "openai", "baseUrl": "https://api.openai.com/v1", "apiKey": "${OPENAI_API_KEY}" },
            "az":    { "type": "azure",  "baseUrl": "https://r.openai.azure.com", "apiKey": "k", "apiVersion": "2024-10-21" },
            "local": { "type": "mock", "latencyMs": 10, "tokensPerSecond": 50 },
          },
          "models": {
            "gpt-4o-mini": [ { "provider": "az", "model": "my-deployment" }, { "provider": "oai", "model": "gpt-4o-mini", "retries": 0 } ],
            "balanced": { "strategy": "weighted", "deployments": [ { "provider": "oai", "model": "gpt-4o", "weight": 3,
                          "price": { "inputPerMTok": 2.5, "outputPerMTok": 10 } } ], "hedgeAfterMs": 800 },
            "echo": [ { "provider": "local", "model": "echo" } ]
          },
          "keys": [ { "key": "sk-local-dev", "name": "dev", "rpm": 600, "tpm": 200000, "models": ["*"] },
                    { "key": "sk-2", "models": ["echo"], "budgetUsd": 12.5 } ]
        }
        """;

    [Theory]
    [InlineData("""{ "providers": { "oai": { "type": "openai", "baseUrl": "${OPENAI_API_KEY}" } }, "models": { "x": [ { "provider": "oai", "model": "m" } ] } }""")]
    [InlineData("""{ "server": { "urls": "${OPENAI_API_KEY}" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""")]
    public void Parse_SecretInTheWrongField_ErrorNamesTheVariableNotItsValue(string json)
    {
        var secret = "sk-proj-4f9a1c77e0b3d2aa";

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, "proxy.json", new EnvironmentExpander(name => name == "OPENAI_API_KEY" ? secret : null)));

        Assert.DoesNotContain(secret, error.Message);
        Assert.Contains("${OPENAI_API_KEY}", error.Message);
    }

    [Fact]
    public void Parse_FullConfig_ReadsEverySection()
    {
        var config = Parse(Full);

        Assert.Equal("http://127.0.0.1:9090", config.Server.Urls);
        Assert.Equal(1048576, config.Server.MaxBodyBytes);
        Assert.Equal("dev-master", config.Admin.MasterKey);
        Assert.Equal("sk-from-env", config.Providers.Single(p => p.Name == "oai").ApiKey);
        Assert.Equal(["gpt-4o-mini", "balanced", "echo"], config.Models.Select(m => m.Alias));
        var fallback = config.Models[0].Deployments;
        Assert.Equal(("az", "my-deployment", 2), (fallback[0].Provider, fallback[0].Model, fallback[0].Retries));
        Assert.Equal(0, fallback[1].Retries);
        Assert.Equal(30000, fallback[0].IdleTimeoutMs);
        Assert.Equal(RoutingDefaults.Default.ConnectTimeoutMs, fallback[0].ConnectTimeoutMs);
        Assert.Equal("weighted", config.Models[1].Strategy);
        Assert.Equal(2.5m, config.Models[1].Deployments[0].Price!.InputPerMTok);
        Assert.Equal("key-1", config.Keys[1].Name);
        Assert.Equal(12.5m, config.Keys[1].BudgetUsd);
    }

    [Fact]
    public void Parse_MinimalConfig_UsesDocumentedDefaults()
    {
        var config = Parse("""{ "providers": { "m": { "type": "mock" } }, "models": { "echo": [ { "provider": "m", "model": "echo" } ] } }""");

        Assert.Equal("http://127.0.0.1:8080", config.Server.Urls);
        Assert.Equal(32 * 1024 * 1024, config.Server.MaxBodyBytes);
        Assert.Equal("sqlite", config.Storage.Type);
        Assert.Empty(config.Keys);
    }

    [Theory]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "nope", "model": "y" } ] } }""", "models.x[0].provider: 'nope' is not a configured provider")]
    [InlineData("""{ "providers": { "o": { "type": "openai", "apiKey": "${UNSET_KEY}" } }, "models": {} }""", "providers.o.apiKey: environment variable UNSET_KEY is not set")]
    [InlineData("""{ "providers": { "o": { "type": "openai", "baseUrl": "htp:/nowhere", "apiKey": "k" } } }""", "providers.o.baseUrl: 'htp:/nowhere' is not an absolute http(s) URL")]
    [InlineData("""{ "providers": { "o": { "type": "openai", "baseURL": "http://x" } } }""", "providers.o.baseURL: unknown field")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": { "strategy": "random", "deployments": [] } } }""", "models.x.strategy: unknown strategy 'random'")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [] } }""", "models.x: needs at least one deployment")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e", "weight": -1 } ] } }""", "models.x[0].weight: must be a whole number from 0")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "keys": [ { "key": "a" }, { "key": "a" } ] }""", "keys[1].key: is the same key as keys[0]")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "keys": [ { "key": "a", "models": ["y"] } ] }""", "keys[0].models[0]: 'y' is not a configured model")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "keys": [ { "key": "a", "name": "dev" }, { "key": "b", "name": "dev" } ] }""", "keys[1].name: 'dev' is already the name of keys[0]")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "keys": [ { "key": "a", "budgetPeriod": "hourly" } ] }""", "keys[0].budgetPeriod: must be one of never, daily, weekly, monthly, not 'hourly'")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e", "price": { "inputPerMTok": 0.0000001 } } ] } }""", "models.x[0].price.inputPerMTok: has more than 6 decimal places")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "usage": { "queueCapacity": 0 } }""", "usage.queueCapacity: must be a whole number from 1")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "keys": [ { "key": "a", "budgetUsd": 1e20 } ] }""", "keys[0].budgetUsd: must be at most 1000000000000 USD")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "usage": { "ledgr": true } }""", "usage.ledgr: unknown field")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "accessLog": { "file": "a.log" } }""", "accessLog.file: unknown field")]
    [InlineData("""{ "server": { "metricsRequireMasterKey": true }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.metricsRequireMasterKey: needs admin.masterKey")]
    [InlineData("""{ "server": { "metricsUrls": "http://127.0.0.1" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.metricsUrls: 'http://127.0.0.1' needs a port of its own")]
    [InlineData("""{ "server": { "urls": "http://0.0.0.0:8080", "metricsUrls": "http://127.0.0.1:8080" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.metricsUrls: 'http://127.0.0.1:8080' needs a port of its own, not one of server.urls")]
    [InlineData("""{ "server": { "metricsUrls": "http://127.0.0.1:9464/metrics" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.metricsUrls: 'http://127.0.0.1:9464/metrics' has a path")]
    [InlineData("""{ "server": { "urls": "http://127.0.0.1:8080/api" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.urls: 'http://127.0.0.1:8080/api' has a path")]
    [InlineData("""{ "server": { "metricsUrls": "http://127.0.0.1:0" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.metricsUrls: 'http://127.0.0.1:0' needs a port of its own")]
    [InlineData("""{ "server": { "metricsUrls": "https://0.0.0.0:9464" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.metricsUrls: 'https://0.0.0.0:9464' is not an http:// listen URL")]
    [InlineData("""{ "server": { "metricsUrls": " ; " }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.metricsUrls: must hold at least one listen URL")]
    [InlineData("""{ "server": { "metrics": false, "metricsUrls": "http://127.0.0.1:9464" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.metricsUrls: set, but server.metrics is false")]
    [InlineData("""{ "server": { "watchConfig": "yes" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.watchConfig: must be true or false")]
    [InlineData("""{ "server": { "drainTimeoutMs": -1 }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.drainTimeoutMs: must be a whole number from 0")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "accessLog": { "maxFiles": 1001 } }""", "accessLog.maxFiles: must be a whole number from 0")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "accessLog": { "maxFileBytes": 100 } }""", "accessLog.maxFileBytes: must be a whole number from 4096")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] }, "accessLog": { "path": " " } }""", "accessLog.path: must not be empty")]
    [InlineData("""{ "server": { "urls": "https://0.0.0.0:443" }, "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e" } ] } }""", "server.urls: 'https://0.0.0.0:443' is not an http:// listen URL")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m" } ] } }""", "models.x[0].model: required")]
    [InlineData("""{ "models": {} }""", "providers: required")]
    [InlineData("""{ "providers": { "o": { "type": "openai", "baseUrl": "http://127.0.0.1:1/v1" } }, "models": { "x": [ { "provider": "o", "model": "e", "reasoningModel": "yes" } ] } }""", "models.x[0].reasoningModel: must be true or false")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e", "reasoningModel": true } ] } }""", "models.x[0].reasoningModel: applies only to deployments of openai and azure providers")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "x": [ { "provider": "m", "model": "e", "embeddingTaskType": "CLUSTERING" } ] } }""", "models.x[0].embeddingTaskType: applies only to deployments of gemini and bedrock providers")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "m/*": [ { "provider": "m", "model": "e" } ] } }""", "models.m/*[0].model: a wildcard's deployments name no model")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "m*": [ { "provider": "m" } ] } }""", "models.m*: a wildcard is a prefix and '/*'")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "a/*/b/*": [ { "provider": "m" } ] } }""", "models.a/*/b/*: a wildcard is a prefix and '/*'")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "/*": [ { "provider": "m" } ] } }""", "models./*: a wildcard is a prefix and '/*'")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "m/*": [ { "provider": "m" } ] }, "keys": [ { "key": "k", "models": ["n/x"] } ] }""", "keys[0].models[0]: 'n/x' is not a configured model")]
    [InlineData("""{ "providers": { "g": { "type": "gemini", "baseUrl": "http://127.0.0.1:1", "apiKey": "k" } }, "models": { "x": [ { "provider": "g", "model": "e", "embeddingTaskType": "clustering" } ] } }""", "models.x[0].embeddingTaskType: must be one of RETRIEVAL_QUERY")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "modles": {} }""", "modles: unknown field")]
    [InlineData("""{ "routing": { "timeoutMs": 1e400 }, "providers": { "m": { "type": "mock" } } }""", "routing.timeoutMs: 1e400 is out of range")]
    public void Parse_InvalidConfig_NamesTheField(string json, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Parse(json));

        Assert.StartsWith(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    // Found by a tester: the last "type" silently won.
    [Fact]
    public void Parse_FieldGivenTwice_IsAnErrorNamingIt()
    {
        var error = Assert.Throws<ConfigException>(() => Parse("""
            { "providers": { "m": { "type": "mock", "type": "openai" } },
              "models": { "x": [ { "provider": "m", "model": "e" } ] } }
            """));

        Assert.Contains("line 1", error.Message);
        Assert.Contains("'type'", error.Message);
    }

    [Fact]
    public void Parse_ReasoningModel_IsReadPerDeploymentAndUnsetByDefault()
    {
        var config = Parse("""{ "providers": { "az": { "type": "azure", "baseUrl": "https://r.openai.azure.com", "apiKey": "k" } }, "models": { "x": [ { "provider": "az", "model": "prod", "reasoningModel": true }, { "provider": "az", "model": "e" } ] } }""");

        Assert.Equal([true, null], config.Models[0].Deployments.Select(d => d.ReasoningModel));
    }

    [Fact]
    public void Parse_BadJson_NamesFileLineAndColumn()
    {
        var error = Assert.Throws<ConfigException>(() => Parse("{\n  \"providers\": {\n    \"m\": { \"type\": \"mock\" }\n  \n  \"models\": {}\n}"));

        Assert.StartsWith("proxy.json: invalid JSON at line 5, column 3", error.Message);
    }

    [Theory]
    [InlineData("""{ "type": "bedrocks" }""", "providers.p.type: unknown provider type 'bedrocks'")]
    [InlineData("""{ "type": "openai" }""", "providers.p.apiKey: required for type 'openai'")]
    [InlineData("""{ "type": "azure", "apiKey": "k" }""", "providers.p.baseUrl: required for type 'azure'")]
    [InlineData("""{ "type": "azure", "baseUrl": "https://r.openai.azure.com" }""", "providers.p.apiKey: required for type 'azure'")]
    public void Validate_ProviderFieldsItsTypeNeeds_NamesTheField(string provider, string expected)
    {
        var config = Parse($$"""{ "providers": { "p": {{provider}} }, "models": { "x": [ { "provider": "p", "model": "m" } ] } }""");

        var error = Assert.Throws<ConfigException>(() => ProxyApp.Validate(config));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Validate_LocalOpenAICompatibleServer_NeedsNoKey()
    {
        var config = Parse("""{ "providers": { "ollama": { "type": "openai", "baseUrl": "http://127.0.0.1:11434/v1" } }, "models": { "llama": [ { "provider": "ollama", "model": "llama3.2" } ] } }""");

        ProxyApp.Validate(config);
    }

    [Fact]
    public void LoadFile_MissingFile_SaysSo()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile("/nonexistent/proxy.json"));

        Assert.Equal("/nonexistent/proxy.json: the config file does not exist", error.Message);
    }

    [Fact]
    public void ShippedConfigs_AllValidate()
    {
        var configDir = Path.Combine(RepositoryRoot.Path, "config");
        var files = Directory.GetFiles(configDir, "*.json", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("proxy.json", StringComparison.Ordinal));

        foreach (var file in files)
        {
            // Example configs read secrets from the environment; any value will do to check their shape.
            var config = ConfigLoader.LoadFile(file, new EnvironmentExpander(name => name.EndsWith("REGION") ? "us-east-1" : "placeholder-" + name));
            ProxyApp.Validate(config);
        }
    }

    [Theory]
    [InlineData("""{ "providers": { "\ud800": { "type": "mock" } }, "models": {} }""", "providers, field #1: not valid Unicode text")]
    [InlineData("""{ "providers": { "m": { "type": "mock" } }, "models": { "a": [ { "provider": "m", "model": "x\udc00" } ] } }""", "models.a[0].model: not valid Unicode text")]
    public void Parse_LoneSurrogateEscape_IsAConfigErrorNamingWhere(string json, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Parse(json));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Validate_BedrockRegionThatIsNoRegion_NamesTheField()
    {
        var config = Parse("""{ "providers": { "b": { "type": "bedrock", "region": "us east 1", "apiKey": "k" } }, "models": { "x": [ { "provider": "b", "model": "m" } ] } }""");

        var error = Assert.Throws<ConfigException>(() => ProxyApp.Validate(config));

        Assert.StartsWith("providers.b.region: 'us east 1' is not an AWS region", error.Message);
    }

    private static ProxyConfig Parse(string json) =>
        ConfigLoader.Parse(json, "proxy.json", new EnvironmentExpander(name => Environment.GetValueOrDefault(name)));
}
