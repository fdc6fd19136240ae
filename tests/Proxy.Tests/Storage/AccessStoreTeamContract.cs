using LlmProxy.Storage;
using static LlmProxy.Tests.Storage.StoredAccess;

namespace LlmProxy.Tests.Storage;

public sealed class SqliteAccessStoreTeamTests() : AccessStoreTeamContract(new SqliteTestStore());

public sealed class PostgresAccessStoreTeamTests() : AccessStoreTeamContract(new PostgresTestStore());

/// <summary>Teams and the audit log in <see cref="SqlAccessStore"/>, on SQLite and on PostgreSQL alike.</summary>
public abstract class AccessStoreTeamContract : StoreContract
{
    private readonly SqlAccessStore _store;

    private protected AccessStoreTeamContract(TestStore database)
        : base(database) => _store = new SqlAccessStore(Sql);

    private long AuditRows => (long)Database.Scalar("SELECT count(*) FROM audit")!;

    [Fact]
    public async Task CreateTeam_EveryFieldSet_LoadsBackExactly()
    {
        var team = new StoredTeam("team_1", "research", ["gpt-4o", "*"], 1000, 500_000, 16, 250.00m, "weekly",
            """{"cost_center":"R&D 42"}""", StoredResponses.Now - 9, StoredResponses.Now);
        var bare = Team("team_2", "bare") with { Models = [] };

        await _store.CreateTeamAsync(team, Audit("team.create", "team_1"), default);
        await _store.CreateTeamAsync(bare, Audit("team.create", "team_2"), default);

        var teams = (await _store.LoadAsync(default)).Teams;
        Assert.Equal(2, teams.Count);
        AssertSame(team, teams[0]);
        AssertSame(bare, teams[1]);
    }

    [Fact]
    public async Task CreateTeam_NameTaken_ThrowsNameConflictAndLeavesNoAuditRow()
    {
        await _store.CreateTeamAsync(Team("team_1", "research"), Audit("team.create", "team_1"), default);

        var error = await Assert.ThrowsAsync<StorageConflictException>(() =>
            _store.CreateTeamAsync(Team("team_2", "research"), Audit("team.create", "team_2"), default));

        Assert.Equal("name", error.Field);
        Assert.Equal("team_1", Assert.Single((await _store.LoadAsync(default)).Teams).Id);
        Assert.Equal(1, AuditRows);
    }

    [Fact]
    public async Task CreateTeam_NameOfAKey_IsAccepted()
    {
        await _store.CreateKeyAsync(Key("key_1", "shared-name"), Secret("key_1", "s"), Audit("key.create", "key_1"), default);

        await _store.CreateTeamAsync(Team("team_1", "shared-name"), Audit("team.create", "team_1"), default);

        Assert.Single((await _store.LoadAsync(default)).Teams);
    }

    [Fact]
    public async Task UpdateTeam_Existing_ReplacesEveryField()
    {
        await _store.CreateTeamAsync(Team("team_1", "research"), Audit("team.create", "team_1"), default);
        var changed = new StoredTeam("team_1", "science", ["o3"], 1, 2, 3, 0.01m, "daily", "{}", StoredResponses.Now + 1, StoredResponses.Now + 2);

        Assert.True(await _store.UpdateTeamAsync(changed, Audit("team.update", "team_1"), default));

        AssertSame(changed, Assert.Single((await _store.LoadAsync(default)).Teams));
        Assert.Equal(2, AuditRows);
    }

    [Fact]
    public async Task UpdateTeam_ToAnotherTeamsName_ThrowsNameConflictAndKeepsBoth()
    {
        await _store.CreateTeamAsync(Team("team_1", "research"), Audit("team.create", "team_1"), default);
        await _store.CreateTeamAsync(Team("team_2", "sales"), Audit("team.create", "team_2"), default);

        var error = await Assert.ThrowsAsync<StorageConflictException>(() =>
            _store.UpdateTeamAsync(Team("team_2", "research"), Audit("team.update", "team_2"), default));

        Assert.Equal("name", error.Field);
        Assert.Equal(["research", "sales"], (await _store.LoadAsync(default)).Teams.Select(team => team.Name));
        Assert.Equal(2, AuditRows);
    }

    [Fact]
    public async Task UpdateTeam_Unknown_ReturnsFalseAndWritesNoAuditRow()
    {
        Assert.False(await _store.UpdateTeamAsync(Team("team_missing", "x"), Audit("team.update", "team_missing"), default));

        Assert.Equal(0, AuditRows);
    }

    [Fact]
    public async Task DeleteTeam_WhileKeysBelongToIt_ThrowsTeamConflictUntilTheyAreGone()
    {
        await _store.CreateTeamAsync(Team("team_1", "research"), Audit("team.create", "team_1"), default);
        await _store.CreateKeyAsync(Key("key_1", "dev", teamId: "team_1"), Secret("key_1", "s"), Audit("key.create", "key_1"), default);

        var error = await Assert.ThrowsAsync<StorageConflictException>(() => _store.DeleteTeamAsync("team_1", Audit("team.delete", "team_1"), default));

        Assert.Equal("team", error.Field);
        Assert.Single((await _store.LoadAsync(default)).Teams);
        Assert.Equal(2, AuditRows);

        await _store.UpdateKeyAsync(Key("key_1", "dev"), Audit("key.update", "key_1"), default);
        Assert.True(await _store.DeleteTeamAsync("team_1", Audit("team.delete", "team_1"), default));
        Assert.False(await _store.DeleteTeamAsync("team_1", Audit("team.delete", "team_1"), default), "a second delete finds nothing");
        Assert.Empty((await _store.LoadAsync(default)).Teams);
        Assert.Equal(4, AuditRows);
    }

    [Fact]
    public async Task ListAudit_ManyEntries_NewestFirstPagedByBeforeId()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.CreateTeamAsync(Team($"team_{i}", $"t{i}"), Audit("team.create", $"team_{i}", $$"""{"name":"t{{i}}"}""") with { Time = i }, default);
        }

        var first = await _store.ListAuditAsync(null, 2, default);
        var second = await _store.ListAuditAsync(first[^1].Id, 2, default);
        var third = await _store.ListAuditAsync(second[^1].Id, 2, default);

        Assert.Equal(["team_4", "team_3", "team_2", "team_1", "team_0"], first.Concat(second).Concat(third).Select(entry => entry.Target));
        Assert.Equal(new AuditEntry(first[0].Id, 4, "master-key@127.0.0.1", "team.create", "team_4", """{"name":"t4"}"""), first[0]);
        Assert.True(first[0].Id > first[1].Id, "ids are assigned by the store and grow");
        Assert.Empty(await _store.ListAuditAsync(third[^1].Id, 2, default));
        Assert.Empty(await _store.ListAuditAsync(null, 0, default));
    }

    [Fact]
    public async Task ListAudit_AfterTheNewestEntryIsGone_NeverReusesItsId()
    {
        await _store.CreateTeamAsync(Team("team_1", "a"), Audit("team.create", "team_1"), default);
        var removed = Assert.Single(await _store.ListAuditAsync(null, 10, default)).Id;
        Database.Scalar("DELETE FROM audit");

        await _store.CreateTeamAsync(Team("team_2", "b"), Audit("team.create", "team_2"), default);

        Assert.True(Assert.Single(await _store.ListAuditAsync(null, 10, default)).Id > removed, "a page cursor must never see an id twice");
    }
}
