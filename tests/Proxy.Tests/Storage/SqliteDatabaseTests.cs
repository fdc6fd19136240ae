using LlmProxy.Storage;
using static LlmProxy.Tests.Storage.StoredAccess;

namespace LlmProxy.Tests.Storage;

/// <summary>One file for every store: migrated from the responses-only schema, kept across a reopen, shared by the stores.</summary>
public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TemporaryDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public void Open_AnyFile_SqliteRunsInMultiThreadMode()
    {
        // Serialized mode would still be correct, only slower: a mutex around every call, two per bound ledger value.
        using var database = _database.OpenDatabase();

        Assert.True(SqliteLibrary.MultiThread);
    }

    [Fact]
    public async Task Open_FileAtVersion3_MigratesToTheLatestKeepingItsResponses()
    {
        using (var connection = _database.Connect())
        {
            // A file as the released proxy left it: the first three steps, one response with its events.
            SqliteSchema.Migrate(connection, _database.Path, SqliteSchema.Migrations[..3]);
            using var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO responses VALUES ('resp_old', 'alice', 0, {StoredResponses.Now + 3600}, 'completed', NULL, x'7B7D', x'5B5D', 'oai', x'01')";
            insert.ExecuteNonQuery();
        }

        using var database = _database.OpenDatabase();
        var responses = new SqlResponseStore(database, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(StoredResponses.Clock));
        var access = new SqlAccessStore(database);
        var usage = new SqliteUsageStore(database);

        Assert.Equal((long)SqliteSchema.Migrations[^1].Version, _database.Scalar("PRAGMA user_version"));
        var old = await responses.FindAsync("resp_old", "alice", default);
        Assert.Equal(("oai", "{}"), (old?.NativeProvider, System.Text.Encoding.UTF8.GetString(old!.Response)));
        Assert.Equal([1], await responses.FindEventsAsync("resp_old", "alice", default));
        await access.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "s"), Audit("key.create", "key_1"), default);
        await usage.AppendAsync([UsageRecords.Make(UsageRecords.Day1)], default);
        Assert.Single((await access.LoadAsync(default)).Keys);
    }

    [Fact]
    public async Task Reopen_AfterEveryStoreWrote_KeepsEverything()
    {
        using (var database = _database.OpenDatabase())
        {
            await new SqlResponseStore(database, TimeProvider.System).SaveAsync(StoredResponses.Make("resp_1", expiresAt: long.MaxValue), default);
            var access = new SqlAccessStore(database);
            await access.CreateTeamAsync(Team("team_1", "research") with { BudgetUsd = 99.990m }, Audit("team.create", "team_1"), default);
            await access.CreateKeyAsync(Key("key_1", "dev", teamId: "team_1"), Secret("key_1", "s", expiresAt: 5), Audit("key.create", "key_1"), default);
            await new SqliteUsageStore(database).AppendAsync([UsageRecords.Make(UsageRecords.Day1, teamId: "team_1", cost: 42)], default);
        }
        Assert.False(File.Exists(_database.Path + "-wal"), "disposing the database closed every connection");

        using var reopened = _database.OpenDatabase();
        var state = await new SqlAccessStore(reopened).LoadAsync(default);

        Assert.NotNull(await new SqlResponseStore(reopened, TimeProvider.System).FindAsync("resp_1", "alice", default));
        AssertSame(Key("key_1", "dev", teamId: "team_1"), Assert.Single(state.Keys));
        AssertSame(Team("team_1", "research") with { BudgetUsd = 99.990m }, Assert.Single(state.Teams));
        Assert.Equal(5, Assert.Single(state.Secrets).ExpiresAt);
        Assert.Equal(["team.create", "key.create"], (await new SqlAccessStore(reopened).ListAuditAsync(null, 10, default)).Select(entry => entry.Action).Reverse());
        Assert.Equal(42, (await new SqliteUsageStore(reopened).SpentSinceAsync(0, UsageGrouping.Team, default))["team_1"]);
    }

    [Fact]
    public async Task Dispose_SharedDatabase_EveryStoreOverItThrowsDisposed()
    {
        using var database = _database.OpenDatabase();
        var access = new SqlAccessStore(database);
        var responses = new SqlResponseStore(database, TimeProvider.System);
        await access.CreateTeamAsync(Team("team_1", "research"), Audit("team.create", "team_1"), default);

        database.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => access.LoadAsync(default));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => responses.FindAsync("resp_1", "alice", default));
    }

    [Fact]
    public async Task Write_FromEveryStoreAtOnce_AllLandWithoutBusyErrors()
    {
        using var database = _database.OpenDatabase();
        var responses = new SqlResponseStore(database, TimeProvider.System);
        var access = new SqlAccessStore(database);
        var usage = new SqliteUsageStore(database);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 3) switch
        {
            0 => responses.SaveAsync(StoredResponses.Make($"resp_{i}", expiresAt: long.MaxValue), default),
            1 => access.CreateTeamAsync(Team($"team_{i}", $"t{i}"), Audit("team.create", $"team_{i}"), default),
            _ => usage.AppendAsync([UsageRecords.Make(UsageRecords.Day1 + i)], default),
        }));

        Assert.Equal((14L, 13L, 13L, 13L), ((long)_database.Scalar("SELECT count(*) FROM responses")!, (long)_database.Scalar("SELECT count(*) FROM teams")!,
            (long)_database.Scalar("SELECT count(*) FROM audit")!, (long)_database.Scalar("SELECT count(*) FROM usage")!));
    }
}
