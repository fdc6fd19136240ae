using LlmProxy.Storage;
using Microsoft.Data.Sqlite;

namespace LlmProxy.Tests.Storage;

public sealed class SqliteSchemaTests : IDisposable
{
    private readonly TemporaryDatabase _database = new();

    public void Dispose() => _database.Dispose();

    private static long Latest => SqliteSchema.Migrations[^1].Version;

    [Fact]
    public void Open_MissingFileAndFolder_CreatesBothWithTheWholeSchemaInWalMode()
    {
        Assert.False(Directory.Exists(Path.GetDirectoryName(_database.Path)));

        _database.Open().Dispose();

        Assert.Equal(Latest, _database.Scalar("PRAGMA user_version"));
        Assert.Equal((long)SqliteSchema.ApplicationId, _database.Scalar("PRAGMA application_id"));
        Assert.Equal("wal", _database.Scalar("PRAGMA journal_mode"));
        Assert.Equal("audit,key_secrets,key_secrets_key_id,keys,keys_team_id,responses,responses_expires_at,secrets,teams," +
            "usage,usage_key_id_time,usage_time",
            _database.Scalar("SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name)"));
    }

    [Fact]
    public async Task Open_ZeroByteFile_MigratesItLikeANewOne()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_database.Path)!);
        await File.WriteAllBytesAsync(_database.Path, []);

        using var store = _database.Open();
        await store.SaveAsync(StoredResponses.Make("resp_1"), default);

        Assert.Equal(Latest, _database.Scalar("PRAGMA user_version"));
    }

    [Fact]
    public async Task Open_FileAtVersion1_AddsNativeProviderAndKeepsEveryRow()
    {
        using (var connection = _database.Connect())
        {
            SqliteSchema.Migrate(connection, _database.Path, SqliteSchema.Migrations[..1]);
            using var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO responses VALUES ('resp_old', 'alice', 0, {StoredResponses.Now + 3600}, 'completed', NULL, x'7B7D', x'5B5D')";
            insert.ExecuteNonQuery();
        }

        using var store = _database.Open(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(StoredResponses.Clock));
        var old = await store.FindAsync("resp_old", "alice", default);
        await store.SaveAsync(StoredResponses.Make("resp_new") with { NativeProvider = "oai" }, default);

        Assert.Equal(Latest, _database.Scalar("PRAGMA user_version"));
        Assert.NotNull(old);
        Assert.Null(old.NativeProvider);
        Assert.Equal("oai", (await store.FindAsync("resp_new", "alice", default))!.NativeProvider);
    }

    [Fact]
    public async Task Migrate_UpToDateFile_AppliesNothingAndKeepsTheData()
    {
        using (var store = _database.Open())
        {
            await store.SaveAsync(StoredResponses.Make("resp_1"), default);
        }

        using var connection = _database.Connect();

        Assert.Equal(0, SqliteSchema.Migrate(connection, _database.Path));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM responses"));
    }

    [Fact]
    public void Migrate_StepsInOrder_EachCommittedWithItsVersionSoAFailedStepKeepsTheOnesBefore()
    {
        using var connection = _database.Connect();
        SqlMigration[] steps = [new(1, "CREATE TABLE a (x)"), new(2, "CREATE TABLE b (x)"), new(3, "CREATE TABLE c (x); INSERT INTO nowhere VALUES (1)")];

        Assert.Throws<SqliteException>(() => SqliteSchema.Migrate(connection, _database.Path, steps));

        Assert.Equal(2L, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'c'"));
        Assert.Equal(1, SqliteSchema.Migrate(connection, _database.Path, [.. steps[..2], new(3, "CREATE TABLE c (x)")]));
        Assert.Equal(3L, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal(3L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"));
    }

    [Fact]
    public void Open_FileOfANewerSchemaVersion_IsRefusedNamingTheFileAndBothVersions()
    {
        _database.Open().Dispose();
        _database.Scalar($"PRAGMA user_version = {Latest + 1}");

        var error = Assert.Throws<StorageException>(() => _database.Open());

        Assert.Contains(_database.Path, error.Message);
        Assert.Contains($"schema version {Latest + 1}", error.Message);
        Assert.Contains($"knows up to {Latest}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(Latest + 1, _database.Scalar("PRAGMA user_version"));
    }

    [Theory]
    [InlineData("this is a text file, not a database\n")]
    [InlineData("SQLite format 3\0 but the rest of the header is garbage, which SQLite must refuse rather than trust ....................................")]
    public async Task Open_FileThatIsNotADatabase_IsAClearErrorAtOpenNotACrashLater(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_database.Path)!);
        await File.WriteAllTextAsync(_database.Path, string.Concat(Enumerable.Repeat(content, 40)));

        var error = Assert.Throws<StorageException>(() => _database.Open());

        Assert.Equal($"'{_database.Path}' is not a SQLite database (SQLITE_NOTADB); move it away or point storage.path elsewhere", error.Message);
    }

    [Fact]
    public void Open_AnotherProgramsDatabase_IsRefusedNotWrittenInto()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_database.Path)!);
        _database.Scalar("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");

        var error = Assert.Throws<StorageException>(() => _database.Open());

        Assert.Contains("tables that are not llm-proxy's", error.Message);
        Assert.Equal(0L, _database.Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'responses'"));

        _database.Scalar("PRAGMA application_id = 42");
        Assert.Contains("another program's SQLite database (application_id 42)", Assert.Throws<StorageException>(() => _database.Open()).Message);
    }

    [Fact]
    public void Open_PathIsAFolder_IsAClearError()
    {
        Directory.CreateDirectory(_database.Path);

        var error = Assert.Throws<StorageException>(() => _database.Open());

        Assert.StartsWith($"cannot open '{_database.Path}'", error.Message);
    }

    [Fact]
    public void Open_FolderBlockedByAFile_SaysItCannotCreateTheFolder()
    {
        File.WriteAllText(Path.Combine(_database.Folder, "data"), "a file where the folder should be");

        var error = Assert.Throws<StorageException>(() => _database.Open());

        Assert.StartsWith($"cannot create the folder '{Path.Combine(_database.Folder, "data")}' for the database", error.Message);
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
