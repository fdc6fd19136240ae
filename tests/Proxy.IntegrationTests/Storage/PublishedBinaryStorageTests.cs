using LlmProxy.IntegrationTests.Hosting;
using LlmProxy.Testing;
using Microsoft.Data.Sqlite;

namespace LlmProxy.IntegrationTests.Storage;

/// <summary>The shipped binary, with SQLite linked in: it opens and migrates its database, and refuses one it cannot use.</summary>
public sealed class PublishedBinaryStorageTests
{
    private static readonly string DefaultConfig = Path.Combine(RepositoryRoot.Path, "config", "proxy.json");

    [Fact]
    public async Task Binary_DefaultConfig_CreatesItsDatabaseBesideTheConfigAndClosesItOnSigterm()
    {
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig);
        var database = Path.Combine(binary.Folder, "data", "llm-proxy.db");
        Assert.True(File.Exists(database), "the binary creates data/llm-proxy.db beside its config at start-up");

        Assert.Equal(0, await binary.TerminateAsync());

        Assert.False(File.Exists(database + "-wal"), "a clean stop closes the store: the WAL is folded into the file");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        LlmProxy.Storage.SqliteLibrary.Initialize();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT user_version FROM pragma_user_version) || ' ' || (SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name))";
        Assert.Equal($"{LlmProxy.Storage.SqliteSchema.Migrations[^1].Version} audit,key_secrets,keys,responses,secrets,sqlite_sequence,teams,usage",
            command.ExecuteScalar());
    }

    [Fact]
    public async Task Binary_DatabasePathIsNotADatabase_ExitsWithOneLineNamingStoragePath()
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-binary-bad-").FullName;
        try
        {
            var notes = Path.Combine(folder, "notes.txt");
            await File.WriteAllTextAsync(notes, string.Concat(Enumerable.Repeat("not a database\n", 100)));
            var config = Path.Combine(folder, "proxy.json");
            await File.WriteAllTextAsync(config, """
                { "storage": { "path": "notes.txt" }, "providers": { "m": { "type": "mock" } }, "models": { "echo": [ { "provider": "m", "model": "echo" } ] } }
                """);

            var (exitCode, _, stderr) = await PublishedBinary.RunAsync("--config", config, "--urls", "http://127.0.0.1:0");

            Assert.Equal(1, exitCode);
            Assert.Equal($"config error: storage.path: '{notes}' is not a SQLite database (SQLITE_NOTADB); move it away or point storage.path elsewhere", stderr.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task CheckConfig_RedisStorage_SaysItIsNotSupportedYet()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, """
            { "storage": { "type": "redis", "connectionString": "127.0.0.1:6379" }, "providers": { "m": { "type": "mock" } }, "models": { "echo": [ { "provider": "m", "model": "echo" } ] } }
            """);

        var (exitCode, _, stderr) = await PublishedBinary.RunAsync("--check-config", path);
        File.Delete(path);

        Assert.NotEqual(0, exitCode);
        Assert.Equal("config error: storage.type: 'redis' is not supported yet (only 'sqlite' is)", stderr.Trim());
    }
}
