using LlmProxy.Canonical;
using LlmProxy.Storage;
using LlmProxy.Usage;
using Microsoft.Data.Sqlite;
using static LlmProxy.Tests.Storage.UsageRecords;

namespace LlmProxy.Tests.Storage;

public sealed class SqliteUsageStoreTests() : UsageStoreContract(new SqliteTestStore())
{
    [Fact]
    public async Task Sum_CostsPastSqlitesIntegerRange_FailsInPlainSql()
    {
        await Store.AppendAsync([Make(Day1, cost: Huge), Make(Day1 + 1, cost: Huge), Make(Day1 + 2, cost: Huge)], default);

        // Why the store sums micro-USD and remainders apart (UsageStoreContract.Summarize_CostsPast64Bits_AreSummedExactly).
        Assert.Contains("integer overflow", Assert.Throws<SqliteException>(() => Database.Scalar("SELECT sum(cost_pusd) FROM usage")).Message);
    }
}

public sealed class PostgresUsageStoreTests() : UsageStoreContract(new PostgresTestStore())
{
    [Fact]
    public async Task Append_SameBatchTwice_WritesItOnce()
    {
        var batchId = Guid.NewGuid();
        IReadOnlyList<UsageRecord> batch = [Make(Day1), Make(Day1 + 1)];

        await Store.AppendAsync(batch, default, batchId);
        await Store.AppendAsync(batch, default, batchId); // a retry of a batch whose commit's answer was lost
        await Store.AppendAsync(batch, default, Guid.NewGuid());

        Assert.Equal(4L, Convert.ToInt64(Database.Scalar("SELECT count(*) FROM usage")));
    }
}

/// <summary>The usage ledger's store, <see cref="SqliteUsageStore"/> and <see cref="PostgresUsageStore"/> alike.</summary>
public abstract class UsageStoreContract : StoreContract
{
    // Each record's cost is over 4e18 pico-USD: three of them pass 2^63 (9.22e18), where a plain SQLite sum() fails.
    private protected const long Huge = 4_000_000_000_000_123_457;

    private readonly IUsageStore _store;

    private protected UsageStoreContract(TestStore database)
        : base(database) => _store = database.UsageStore(Sql);

    private protected IUsageStore Store => _store;

    [Fact]
    public async Task Append_EveryField_IsStoredInItsColumn()
    {
        var full = new UsageRecord(Day1 + 1, "key_1", "dev", "team_1", "claude-sonnet-4.5", "br", "anthropic.claude-sonnet-4-5", "messages", 502,
            "upstream_error", new TokenUsage(100, 20, 30, 40, 7), 123_456_789_012, true, 1500.25, 300.5, 2.125, 3, true, false);
        var sparse = Make(Day1 + 2, provider: null) with { TimeToFirstTokenMs = null };

        await _store.AppendAsync([full, sparse], default);

        Assert.Equal(
            [Day1 + 1, "key_1", "dev", "team_1", "claude-sonnet-4.5", "br", "anthropic.claude-sonnet-4-5", "messages", 502L, "upstream_error",
                100L, 20L, 30L, 40L, 7L, 123_456_789_012L, 1L, 1500.25, 300.5, 2.125, 3L, 1L, 0L],
            ReadRow(Day1 + 1));
        Assert.Equal(
            [Day1 + 2, "key_1", "dev", DBNull.Value, "gpt-4o-mini", DBNull.Value, DBNull.Value, "chat.completions", 200L, DBNull.Value,
                10L, 5L, 2L, 1L, 3L, 1_000_000L, 0L, 120.5, DBNull.Value, 0.75, 1L, 0L, 1L],
            ReadRow(Day1 + 2));
    }

    [Fact]
    public async Task Append_ConsecutiveRecordsSharingAndChangingFields_EachRowHoldsItsOwnValues()
    {
        // The writer inserts several rows per statement and binds only what changed since the record last bound to the
        // same parameters: values that come back, values that turn null and back, and repeats must each land in their own
        // row, in the many-row statements (the first 48 here) and the one-row ones after them (the last 5).
        var full = new UsageRecord(0, "key_1", "dev", "team_1", "claude-sonnet-4.5", "br", "anthropic.claude-sonnet-4-5", "messages", 502,
            "upstream_error", new TokenUsage(100, 20, 30, 40, 7), 123_456_789_012, true, 1500.25, 300.5, 2.125, 3, true, false);
        var sparse = Make(0, provider: null) with { TimeToFirstTokenMs = null };
        UsageRecord[] pattern = [full, sparse, full, full, sparse, sparse with { KeyId = "key_2", Tokens = new TokenUsage(1, 2) }, full];
        var batch = Enumerable.Range(0, 53).Select(i => pattern[i * 5 % pattern.Length] with { Time = Day1 + i, Attempts = i % 3 }).ToArray();

        await _store.AppendAsync(batch, default);

        foreach (var record in batch)
        {
            Assert.Equal(Row(record), ReadRow(record.Time));
        }

        static object[] Row(UsageRecord r) =>
        [
            r.Time, r.KeyId, r.KeyName, (object?)r.TeamId ?? DBNull.Value, r.Model, (object?)r.Provider ?? DBNull.Value,
            (object?)r.DeploymentModel ?? DBNull.Value, r.Dialect, (long)r.Status, (object?)r.ErrorClass ?? DBNull.Value, r.Tokens.InputTokens,
            r.Tokens.OutputTokens, r.Tokens.CachedInputTokens, r.Tokens.CacheWriteTokens, r.Tokens.ReasoningTokens, r.CostPicoUsd,
            r.Estimated ? 1L : 0L, r.LatencyMs, (object?)r.TimeToFirstTokenMs ?? DBNull.Value, r.OverheadMs, (long)r.Attempts,
            r.ClientDisconnected ? 1L : 0L, r.Stream ? 1L : 0L,
        ];
    }

    [Fact]
    public async Task Append_NonAsciiAndEmptyText_RoundTripsExactly()
    {
        // Bound as UTF-16: accents, CJK, an astral character (a surrogate pair) and an empty name come back as sent.
        await _store.AppendAsync([Make(Day1 + 1, keyName: "", model: "modèle-日本語-😀x") with { ErrorClass = "clé" }], default);

        var row = ReadRow(Day1 + 1);
        Assert.Equal("", row[2]);
        Assert.Equal("modèle-日本語-😀x", row[4]);
        Assert.Equal("clé", row[9]);
    }

    [Fact]
    public async Task Append_EmptyBatch_WritesNothing()
    {
        await _store.AppendAsync([], default);

        Assert.Equal(0L, Database.Scalar("SELECT count(*) FROM usage"));
    }

    [Fact]
    public async Task Append_ARecordFailsMidBatch_NoneOfTheBatchIsKept()
    {
        var batch = Enumerable.Range(0, 1000).Select(i => Make(Day1 + i)).ToArray();
        batch[500] = batch[500] with { KeyId = null! }; // NOT NULL: the insert of the 501st record fails

        await Assert.ThrowsAnyAsync<Exception>(() => _store.AppendAsync(batch, default));

        Assert.True((long)Database.Scalar("SELECT count(*) FROM usage")! == 0, "a batch is durable whole or not at all");
        await _store.AppendAsync(batch[..500], default);
        Assert.Equal(500L, Database.Scalar("SELECT count(*) FROM usage"));
    }

    [Fact]
    public async Task Summarize_ByKey_SumsEachKeyAndNamesItByItsLatestName()
    {
        var access = new SqlAccessStore(Sql);
        await access.CreateKeyAsync(StoredAccess.Key("key_3", "renamed in the keys table"), StoredAccess.Secret("key_3", "s"), StoredAccess.Audit("key.create", "key_3"), default);
        await _store.AppendAsync(
        [
            Make(Day1 + 10, keyId: "key_1", keyName: "old name", input: 1, output: 2, cost: 3),
            // Outside the range, but the latest record of key_1: its name is the key's latest.
            Make(Day1 + DayMs, keyId: "key_1", keyName: "new name"),
            Make(Day1 + 20, keyId: "key_1", keyName: "old name", input: 10, output: 20, cost: 30),
            Make(Day1 + 30, keyId: "key_2", keyName: "ops"),
            Make(Day1 + 40, keyId: "key_3", keyName: "name in the ledger"),
        ], default);

        var totals = await _store.SummarizeAsync(Day1, Day1 + DayMs, UsageGrouping.Key, default);

        Assert.Equal(
        [
            new UsageTotals("key_1", "new name", 2, 11, 4, 2, 22, 6, 33),
            new UsageTotals("key_2", "ops", 1, 10, 2, 1, 5, 3, 1_000_000),
            new UsageTotals("key_3", "renamed in the keys table", 1, 10, 2, 1, 5, 3, 1_000_000),
        ], totals);
    }

    [Fact]
    public async Task Summarize_ByTeam_NoTeamFirstAndTeamsNamedFromTheTeamsTable()
    {
        var access = new SqlAccessStore(Sql);
        await access.CreateTeamAsync(StoredAccess.Team("team_a", "research"), StoredAccess.Audit("team.create", "team_a"), default);
        await _store.AppendAsync(
        [
            Make(Day1, teamId: "team_b"),
            Make(Day1, teamId: "team_a"),
            Make(Day1, teamId: null),
            Make(Day1, teamId: "team_a"),
        ], default);

        var totals = await _store.SummarizeAsync(Day1, Day1 + DayMs, UsageGrouping.Team, default);

        Assert.Equal([(null, null, 1L), ("team_a", "research", 2L), ("team_b", (string?)null, 1L)],
            totals.Select(total => (total.Group, total.Name, total.Requests)));
    }

    [Fact]
    public async Task Summarize_ByModelProviderAndDay_GroupsOnEach()
    {
        await _store.AppendAsync(
        [
            Make(Day1 - 1, model: "b", provider: "oai"),
            Make(Day1, model: "a", provider: null),
            Make(Day1 + DayMs - 1, model: "b", provider: "az"),
            Make(Day1 + DayMs, model: "a", provider: "az"),
        ], default);
        var from = Day1 - DayMs;
        var to = Day1 + 2 * DayMs;

        Assert.Equal([("a", 2L), ("b", 2L)], (await _store.SummarizeAsync(from, to, UsageGrouping.Model, default)).Select(t => (t.Group, t.Requests)));
        Assert.Equal([(null, 1L), ("az", 2L), ("oai", 1L)], (await _store.SummarizeAsync(from, to, UsageGrouping.Provider, default)).Select(t => (t.Group, t.Requests)));
        Assert.Equal([("2026-05-31", 1L), ("2026-06-01", 2L), ("2026-06-02", 1L)],
            (await _store.SummarizeAsync(from, to, UsageGrouping.Day, default)).Select(t => (t.Group, t.Requests)));
        Assert.All(await _store.SummarizeAsync(from, to, UsageGrouping.Day, default), total => Assert.Null(total.Name));
    }

    [Fact]
    public async Task Summarize_TimeRange_IncludesFromAndExcludesTo()
    {
        await _store.AppendAsync([Make(Day1 - 1, cost: 1), Make(Day1, cost: 10), Make(Day1 + 99, cost: 100), Make(Day1 + 100, cost: 1000)], default);

        var total = Assert.Single(await _store.SummarizeAsync(Day1, Day1 + 100, UsageGrouping.Model, default));

        Assert.Equal((2L, (Int128)110), (total.Requests, total.CostPicoUsd));
        Assert.Empty(await _store.SummarizeAsync(Day1, Day1, UsageGrouping.Model, default));
    }

    [Fact]
    public async Task Summarize_CostsPast64Bits_AreSummedExactly()
    {
        await _store.AppendAsync([Make(Day1, cost: Huge), Make(Day1 + 1, cost: Huge), Make(Day1 + 2, cost: Huge), Make(Day1 + 3, cost: -1_500_001)], default);

        var total = Assert.Single(await _store.SummarizeAsync(Day1, Day1 + DayMs, UsageGrouping.Key, default));
        Assert.Equal((Int128)Huge * 3 - 1_500_001, total.CostPicoUsd);
    }

    [Fact]
    public async Task SpentSince_PerKeyAndPerTeam_SumsFromTheInstantOnExactly()
    {
        await _store.AppendAsync(
        [
            Make(Day1 - 1, keyId: "key_1", teamId: "team_a", cost: 7),
            Make(Day1, keyId: "key_1", teamId: "team_a", cost: Huge),
            Make(Day1 + 1, keyId: "key_1", teamId: "team_a", cost: Huge),
            Make(Day1 + 2, keyId: "key_2", teamId: "team_a", cost: Huge),
            Make(Day1 + 3, keyId: "key_3", teamId: null, cost: 5),
        ], default);

        var perKey = await _store.SpentSinceAsync(Day1, UsageGrouping.Key, default);
        var perTeam = await _store.SpentSinceAsync(Day1, UsageGrouping.Team, default);

        Assert.Equal(new Dictionary<string, Int128> { ["key_1"] = (Int128)Huge * 2, ["key_2"] = Huge, ["key_3"] = 5 }, perKey);
        Assert.Equal(new Dictionary<string, Int128> { ["team_a"] = (Int128)Huge * 3 }, perTeam);
        Assert.Empty(await _store.SpentSinceAsync(Day1 + 4, UsageGrouping.Key, default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.SpentSinceAsync(Day1, UsageGrouping.Model, default));
    }

    [Fact]
    public async Task Spent_OneKeyOrTeam_SumsOnlyItsRecordsFromTheInstantOn()
    {
        await _store.AppendAsync(
        [
            Make(Day1 - 1, keyId: "key_1", teamId: "team_a", cost: 7),
            Make(Day1, keyId: "key_1", teamId: "team_a", cost: Huge),
            Make(Day1 + 1, keyId: "key_1", teamId: "team_a", cost: Huge),
            Make(Day1 + 2, keyId: "key_2", teamId: "team_a", cost: 11),
        ], default);

        Assert.Equal((Int128)Huge * 2, await _store.SpentAsync("key_1", UsageGrouping.Key, Day1, default));
        Assert.Equal((Int128)Huge * 2 + 11, await _store.SpentAsync("team_a", UsageGrouping.Team, Day1, default));
        Assert.Equal(0, await _store.SpentAsync("key_none", UsageGrouping.Key, Day1, default));
        Assert.Equal(0, await _store.SpentAsync("key_1", UsageGrouping.Key, Day1 + 2, default));
    }

    private object?[] ReadRow(long time) => Database.Row($"SELECT * FROM usage WHERE time = {time}");
}
