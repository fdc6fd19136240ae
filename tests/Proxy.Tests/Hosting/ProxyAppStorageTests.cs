using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Storage;

namespace LlmProxy.Tests.Hosting;

public sealed class ProxyAppStorageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llm-proxy-app-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Create_DatabasePathIsNotADatabase_FailsTheStartWithOneLineNamingStoragePath()
    {
        var path = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("not a database at all\n", 100)));

        var error = Assert.Throws<ConfigException>(() => ProxyApp.Create(Config($$"""{ "path": "{{path}}" }""")));

        Assert.Equal($"storage.path: '{path}' is not a SQLite database (SQLITE_NOTADB); move it away or point storage.path elsewhere", error.Message);
    }

    [Fact]
    public async Task Create_PostgresStorage_MigratesTheDatabaseBeforeStartingAndMakesNoFile()
    {
        var connectionString = LlmProxy.Testing.PostgresServer.Shared.CreateSchema();

        var app = ProxyApp.Create(Config($$"""{ "type": "postgres", "connectionString": "{{connectionString}}" }"""), "http://127.0.0.1:0");
        await app.DisposeAsync();

        Assert.Equal(PostgresSchema.Migrations[^1].Version, LlmProxy.Testing.PostgresServer.Shared.Execute("SELECT max(version) FROM llm_proxy_schema", connectionString));
        Assert.Equal(0L, LlmProxy.Testing.PostgresServer.Shared.Execute("SELECT count(*) FROM usage", connectionString));
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public async Task Create_DefaultStorage_OpensTheDatabaseBesideTheConfigBeforeStartingAndClosesItOnDispose()
    {
        var app = ProxyApp.Create(Config(null), "http://127.0.0.1:0");
        var database = Path.Combine(_folder, "data", "llm-proxy.db");

        Assert.True(File.Exists(database), "the database is opened (and created) by Create, so a bad one fails the start");
        await app.StartAsync();
        await app.StopAsync();
        await app.DisposeAsync();

        Assert.False(File.Exists(database + "-wal"), "disposing the app disposes the store, which closes every connection");
    }

    private ProxyConfig Config(string? storage) => ConfigLoader.Parse($$"""
        {
          {{(storage is null ? "" : $"\"storage\": {storage},")}}
          "providers": { "m": { "type": "mock" } },
          "models": { "echo": [ { "provider": "m", "model": "echo" } ] }
        }
        """, Path.Combine(_folder, "proxy.json"), EnvironmentExpander.Process);
}
