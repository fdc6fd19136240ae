using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace LlmProxy.Tests.Hosting;

/// <summary>A reload swaps routes and config keys for the next request, or refuses the file whole with the start-up's message.</summary>
public sealed class ConfigReloadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llm-proxy-reload-").FullName;
    private readonly HttpMessageInvoker _http = new(new SocketsHttpHandler());
    private readonly FakeLogger<ConfigReload> _log = new();
    private readonly string _path;
    private readonly ProxyRuntime _runtime;
    private readonly ConfigReload _reload;

    public ConfigReloadTests()
    {
        _path = Path.Combine(_folder, "proxy.json");
        File.WriteAllText(_path, Config(provider: "a", key: "sk-one"));
        var services = new ProviderServices(_http, TimeProvider.System, NullLoggerFactory.Instance);
        _runtime = ProxyRuntime.Build(ConfigLoader.LoadFile(_path), services);
        _reload = new ConfigReload(_path, _runtime, services, _log);
    }

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ReloadAsync_NewDeploymentsAndKeys_ServeTheNextLookupWhileARouteAlreadyFoundKeepsItsOwn()
    {
        var inFlight = _runtime.Catalog.Find("chat")!;
        File.WriteAllText(_path, Config(provider: "b", key: "sk-two", retries: 2));

        Assert.True(await _reload.ReloadAsync(default));

        Assert.Equal("b/echo", _runtime.Catalog.Find("chat")!.Deployments[0].Name);
        Assert.Equal(2, _runtime.Catalog.Find("chat")!.Deployments[0].Config.Retries);
        Assert.Equal("a/echo", inFlight.Deployments[0].Name);
        Assert.Null(_runtime.Keys.Find("sk-one", 0));
        Assert.NotNull(_runtime.Keys.Find("sk-two", 0));
        Assert.Contains("config reloaded from " + _path + ": 1 models, 2 providers, 1 keys", _log.LatestRecord.Message);
    }

    [Theory]
    [InlineData("{ \"providers\": ")]
    [InlineData("""{ "providers": { "a": { "type": "mock" } }, "models": { "chat": [ { "provider": "missing", "model": "echo" } ] } }""")]
    [InlineData("""{ "providers": { "a": { "type": "anthropic" } }, "models": { "chat": [ { "provider": "a", "model": "claude" } ] } }""")]
    [InlineData("""{ "providers": { "a": { "type": "mock" } }, "models": { "chat": [ { "provider": "a", "model": "echo" } ] }, "keys": [ { "key": "", "name": "x" } ] }""")]
    public async Task ReloadAsync_InvalidFile_IsRefusedWithTheStartUpsOneLineAndChangesNothing(string text)
    {
        File.WriteAllText(_path, text);
        var startUp = Assert.Throws<ConfigException>(() => ProxyApp.Validate(ConfigLoader.LoadFile(_path)));

        Assert.False(await _reload.ReloadAsync(default));

        Assert.Equal(LogLevel.Error, _log.LatestRecord.Level);
        Assert.EndsWith("config error: " + startUp.Message, _log.LatestRecord.Message);
        Assert.DoesNotContain('\n', _log.LatestRecord.Message);
        Assert.Equal("a/echo", _runtime.Catalog.Find("chat")!.Deployments[0].Name);
        Assert.NotNull(_runtime.Keys.Find("sk-one", 0));
    }

    [Fact]
    public async Task ReloadAsync_MissingFile_IsRefusedNamingTheFile()
    {
        File.Delete(_path);

        Assert.False(await _reload.ReloadAsync(default));

        Assert.EndsWith($"config error: {_path}: the config file does not exist", _log.LatestRecord.Message);
        Assert.NotNull(_runtime.Keys.Find("sk-one", 0));
    }

    [Fact]
    public async Task ReloadAsync_RestartOnlySectionsChanged_AppliesTheRestAndWarnsWhichWait()
    {
        File.WriteAllText(_path, Config(provider: "b", key: "sk-one", server: "\"server\": { \"drainTimeoutMs\": 5 },", storage: "other.db"));

        Assert.True(await _reload.ReloadAsync(default));

        Assert.Equal("b/echo", _runtime.Catalog.Find("chat")!.Deployments[0].Name);
        Assert.Equal(LogLevel.Warning, _log.LatestRecord.Level);
        Assert.Equal("config reloaded, but changes to server, storage take effect at the next restart", _log.LatestRecord.Message);
        Assert.Equal(ServerOptions.DefaultDrainTimeoutMs, _runtime.Config.Server.DrainTimeoutMs);

        // Still waiting for the restart on the next reload: the running sections are the start-up file's, not the last reload's.
        Assert.True(await _reload.ReloadAsync(default));
        Assert.Equal("config reloaded, but changes to server, storage take effect at the next restart", _log.LatestRecord.Message);
    }

    [Fact]
    public async Task ReloadAsync_UnchangedDeployment_KeepsItsHealthWhileAChangedOneStartsAfresh()
    {
        var before = _runtime.Catalog.Find("chat")!.Deployments[0].Health;
        File.WriteAllText(_path, Config(provider: "a", key: "sk-one", extraModel: true));
        Assert.True(await _reload.ReloadAsync(default));
        Assert.Same(before, _runtime.Catalog.Find("chat")!.Deployments[0].Health);

        File.WriteAllText(_path, Config(provider: "a", key: "sk-one", retries: 1));
        Assert.True(await _reload.ReloadAsync(default));

        Assert.NotSame(before, _runtime.Catalog.Find("chat")!.Deployments[0].Health);
    }

    [Fact]
    public async Task ReloadAsync_ProviderChanged_ItsDeploymentsStartWithFreshHealth()
    {
        var before = _runtime.Catalog.Find("chat")!.Deployments[0].Health;
        File.WriteAllText(_path, Config(provider: "a", key: "sk-one").Replace("\"a\": { \"type\": \"mock\" }", "\"a\": { \"type\": \"mock\", \"latencyMs\": 1 }"));

        Assert.True(await _reload.ReloadAsync(default));

        Assert.NotSame(before, _runtime.Catalog.Find("chat")!.Deployments[0].Health);
    }

    [Fact]
    public async Task WatchConfig_ConfigIsALinkToAFileElsewhere_AnEditThereIsReloaded()
    {
        var elsewhere = Directory.CreateTempSubdirectory("llm-proxy-reload-target-").FullName;
        try
        {
            var target = Path.Combine(elsewhere, "real.json");
            File.Move(_path, target);
            File.CreateSymbolicLink(_path, target);
            var services = new ProviderServices(_http, TimeProvider.System, NullLoggerFactory.Instance);
            var reload = new ConfigReload(_path, _runtime, services, _log);
            using var triggers = new ConfigReloadTriggers(reload, watchFile: true, TimeProvider.System, new FakeLogger<ConfigReloadTriggers>());
            await triggers.StartAsync(default);

            File.WriteAllText(target, Config(provider: "b", key: "sk-linked"));

            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (_runtime.Keys.Find("sk-linked", 0) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            Assert.NotNull(_runtime.Keys.Find("sk-linked", 0));
            Assert.Equal("b/echo", _runtime.Catalog.Find("chat")!.Deployments[0].Name);
            await triggers.StopAsync(default);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    private string Config(string provider, string key, int retries = 0, string server = "", string storage = "proxy.db", bool extraModel = false) => $$"""
        {
          {{server}}
          "storage": { "path": "{{Path.Combine(_folder, storage)}}" },
          "providers": { "a": { "type": "mock" }, "b": { "type": "mock" } },
          "models": {
            "chat": [ { "provider": "{{provider}}", "model": "echo", "retries": {{retries}} } ]
            {{(extraModel ? ", \"other\": [ { \"provider\": \"b\", \"model\": \"echo\" } ]" : "")}}
          },
          "keys": [ { "key": "{{key}}", "name": "one" } ]
        }
        """;
}
