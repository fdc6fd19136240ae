using System.Net;
using System.Text;
using System.Text.Json;
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
    public async Task Binary_PostgresStorage_KeyCreatedOnOneInstanceServesOnTheNextAndTheLedgerLandsInPostgres()
    {
        var connectionString = PostgresServer.Shared.CreateSchema();
        var folder = Directory.CreateTempSubdirectory("llm-proxy-binary-pg-").FullName;
        try
        {
            var config = Path.Combine(folder, "proxy.json");
            await File.WriteAllTextAsync(config, $$"""
                { "storage": { "type": "postgres", "connectionString": "{{connectionString}}" }, "admin": { "masterKey": "master-secret-1" },
                  "providers": { "m": { "type": "mock" } }, "models": { "echo": [ { "provider": "m", "model": "echo" } ] } }
                """);
            string secret;
            await using (var first = await PublishedBinary.StartAsync(config))
            {
                using var admin = new HttpClient { BaseAddress = first.Root };
                admin.DefaultRequestHeaders.Authorization = new("Bearer", "master-secret-1");
                var created = await admin.PostAsync("/admin/keys", new StringContent("""{"name":"ci-bot"}""", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, created.StatusCode);
                secret = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
                Assert.Equal(HttpStatusCode.OK, (await ChatAsync(first.Root, secret)).StatusCode);
                Assert.Equal(0, await first.TerminateAsync());
            }

            // Another instance on the same database: the key is there, and both requests are in the ledger.
            await using var second = await PublishedBinary.StartAsync(config);
            Assert.Equal(HttpStatusCode.OK, (await ChatAsync(second.Root, secret)).StatusCode);
            Assert.Equal(0, await second.TerminateAsync());
            Assert.Equal(2L, PostgresServer.Shared.Execute("SELECT count(*) FROM usage WHERE key_name = 'ci-bot' AND status = 200", connectionString));
            Assert.Equal(LlmProxy.Storage.PostgresSchema.Migrations[^1].Version, PostgresServer.Shared.Execute("SELECT max(version) FROM llm_proxy_schema", connectionString));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Binary_PostgresUnreachable_ExitsWithOneLineNamingTheSettingAndNoPassword()
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-binary-pg-").FullName;
        try
        {
            var config = Path.Combine(folder, "proxy.json");
            // Port 1 on loopback: nothing listens there.
            await File.WriteAllTextAsync(config, """
                { "storage": { "type": "postgres", "connectionString": "Host=127.0.0.1;Port=1;Database=llm;Username=proxy;Password=hunter2-secret;Timeout=3" },
                  "providers": { "m": { "type": "mock" } }, "models": { "echo": [ { "provider": "m", "model": "echo" } ] } }
                """);

            var (exitCode, _, stderr) = await PublishedBinary.RunAsync("--config", config, "--urls", "http://127.0.0.1:0");

            Assert.Equal(1, exitCode);
            Assert.StartsWith("config error: storage.connectionString: cannot use PostgreSQL at 127.0.0.1:1, database 'llm': ", stderr.Trim());
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.DoesNotContain("hunter2", stderr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<HttpResponseMessage> ChatAsync(Uri root, string key)
    {
        using var client = new HttpClient { BaseAddress = root };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"echo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
    }
}
