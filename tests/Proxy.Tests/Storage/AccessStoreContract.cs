using LlmProxy.Storage;
using static LlmProxy.Tests.Storage.StoredAccess;

namespace LlmProxy.Tests.Storage;

public sealed class SqliteAccessStoreTests() : AccessStoreContract(new SqliteTestStore());

public sealed class PostgresAccessStoreTests() : AccessStoreContract(new PostgresTestStore());

/// <summary>
/// Keys and their secrets in <see cref="SqlAccessStore"/>, on SQLite and on PostgreSQL alike; teams and the audit log
/// are in <see cref="AccessStoreTeamContract"/>.
/// </summary>
public abstract class AccessStoreContract : StoreContract
{
    private readonly SqlAccessStore _store;

    private protected AccessStoreContract(TestStore database)
        : base(database) => _store = new SqlAccessStore(Sql);

    private long AuditRows => (long)Database.Scalar("SELECT count(*) FROM audit")!;

    [Fact]
    public async Task CreateKey_EveryFieldSet_LoadsBackExactly()
    {
        await _store.CreateTeamAsync(Team("team_1", "research"), Audit("team.create", "team_1"), default);
        var key = new StoredKey("key_1", "ci-bot", "team_1", ["gpt-4o-mini", "claude-sonnet-4.5", "modèle/ünïcode \"quoted\""], 600, 200_000, 4,
            // 28 significant digits: a REAL column would have rounded this.
            1234567890.123456789012345678m, "monthly", StoredResponses.Now + 86400,
            """{"owner":"ops","tags":["a","b"],"note":"ünïcode"}""", "sk-lp-AbC", true, StoredResponses.Now - 5, StoredResponses.Now);
        var secret = Secret("key_1", "the secret", expiresAt: StoredResponses.Now + 60);

        await _store.CreateKeyAsync(key, secret, Audit("key.create", "key_1"), default);
        var state = await _store.LoadAsync(default);

        AssertSame(key, Assert.Single(state.Keys));
        var loaded = Assert.Single(state.Secrets);
        Assert.Equal((secret.KeyId, secret.ExpiresAt), (loaded.KeyId, loaded.ExpiresAt));
        Assert.Equal(secret.Hash, loaded.Hash);
    }

    [Fact]
    public async Task CreateKey_NoLimitsNoTeamNoModels_LoadsBackTheNulls()
    {
        var key = Key("key_1", "bare") with { Models = [], BudgetUsd = null, ExpiresAt = null, MetadataJson = null };

        await _store.CreateKeyAsync(key, Secret("key_1", "s"), Audit("key.create", "key_1"), default);

        var loaded = Assert.Single((await _store.LoadAsync(default)).Keys);
        AssertSame(key, loaded);
        Assert.Empty(loaded.Models);
        Assert.Null(Assert.Single((await _store.LoadAsync(default)).Secrets).ExpiresAt);
    }

    [Theory]
    [InlineData("10.50")]
    [InlineData("0.000001")]
    [InlineData("0")]
    [InlineData("79228162514264337593543950335")]
    public async Task CreateKey_Budget_KeepsTheDecimalsDigitsAndScale(string budget)
    {
        var key = Key("key_1", "k") with { BudgetUsd = decimal.Parse(budget, System.Globalization.CultureInfo.InvariantCulture) };

        await _store.CreateKeyAsync(key, Secret("key_1", "s"), Audit("key.create", "key_1"), default);

        Assert.Equal(budget, Database.Scalar("SELECT budget_usd FROM keys"));
        AssertSame(key, Assert.Single((await _store.LoadAsync(default)).Keys));
    }

    [Fact]
    public async Task CreateKey_NameTaken_ThrowsNameConflictAndLeavesNoTrace()
    {
        await _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "first"), Audit("key.create", "key_1"), default);

        var error = await Assert.ThrowsAsync<StorageConflictException>(() =>
            _store.CreateKeyAsync(Key("key_2", "dev"), Secret("key_2", "second"), Audit("key.create", "key_2"), default));

        Assert.Equal("name", error.Field);
        var state = await _store.LoadAsync(default);
        Assert.Equal("key_1", Assert.Single(state.Keys).Id);
        Assert.Equal("key_1", Assert.Single(state.Secrets).KeyId);
        Assert.True(AuditRows == 1, "a refused change must leave no audit row");
    }

    [Fact]
    public async Task CreateKey_NamesDifferingOnlyInCase_AreBothAccepted()
    {
        await _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "a"), Audit("key.create", "key_1"), default);
        await _store.CreateKeyAsync(Key("key_2", "Dev"), Secret("key_2", "b"), Audit("key.create", "key_2"), default);

        Assert.Equal(2, (await _store.LoadAsync(default)).Keys.Count);
    }

    [Fact]
    public async Task CreateKey_UnknownTeam_ThrowsTeamConflictAndLeavesNoTrace()
    {
        var error = await Assert.ThrowsAsync<StorageConflictException>(() =>
            _store.CreateKeyAsync(Key("key_1", "dev", teamId: "team_missing"), Secret("key_1", "s"), Audit("key.create", "key_1"), default));

        Assert.Equal("team", error.Field);
        Assert.Contains("team_missing", error.Message);
        var state = await _store.LoadAsync(default);
        Assert.Empty(state.Keys);
        Assert.Empty(state.Secrets);
        Assert.Equal(0, AuditRows);
    }

    [Fact]
    public async Task CreateKey_SecretOfAnotherKey_IsRefusedBeforeWriting()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_2", "s"), Audit("key.create", "key_1"), default));

        Assert.Empty((await _store.LoadAsync(default)).Keys);
    }

    [Fact]
    public async Task UpdateKey_Existing_ReplacesEveryFieldAndKeepsItsSecrets()
    {
        await _store.CreateTeamAsync(Team("team_1", "research"), Audit("team.create", "team_1"), default);
        await _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "s"), Audit("key.create", "key_1"), default);
        var changed = new StoredKey("key_1", "renamed", "team_1", ["gpt-4o"], 10, 20, 1, 5.25m, "daily", StoredResponses.Now + 7,
            """{"a":1}""", "sk-other", true, StoredResponses.Now + 1, StoredResponses.Now + 2);

        Assert.True(await _store.UpdateKeyAsync(changed, Audit("key.update", "key_1"), default));

        var state = await _store.LoadAsync(default);
        AssertSame(changed, Assert.Single(state.Keys));
        Assert.Equal(Secret("key_1", "s").Hash, Assert.Single(state.Secrets).Hash);
        Assert.Equal(3, AuditRows);
    }

    [Fact]
    public async Task UpdateKey_FromACopyReadBeforeARevocation_KeepsTheKeyRevoked()
    {
        var key = Key("key_1", "ci-bot");
        await _store.CreateKeyAsync(key, Secret("key_1", "s"), Audit("key.create", "key_1"), default);
        await _store.UpdateKeyAsync(key with { Revoked = true }, Audit("key.update", "key_1"), default);

        // Another instance's stale copy, not revoked, with a new rpm.
        await _store.UpdateKeyAsync(key with { Rpm = 99 }, Audit("key.update", "key_1"), default);

        var stored = Assert.Single((await _store.LoadAsync(default)).Keys);
        Assert.Equal((true, 99), (stored.Revoked, stored.Rpm));
    }

    [Fact]
    public async Task UpdateKey_Unknown_ReturnsFalseAndWritesNoAuditRow()
    {
        Assert.False(await _store.UpdateKeyAsync(Key("key_missing", "dev"), Audit("key.update", "key_missing"), default));

        Assert.Empty((await _store.LoadAsync(default)).Keys);
        Assert.Equal(0, AuditRows);
    }

    [Fact]
    public async Task UpdateKey_ToAnotherKeysName_ThrowsNameConflictAndKeepsBoth()
    {
        await _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "a"), Audit("key.create", "key_1"), default);
        await _store.CreateKeyAsync(Key("key_2", "ops"), Secret("key_2", "b"), Audit("key.create", "key_2"), default);

        var error = await Assert.ThrowsAsync<StorageConflictException>(() =>
            _store.UpdateKeyAsync(Key("key_2", "dev") with { Rpm = 1 }, Audit("key.update", "key_2"), default));

        Assert.Equal("name", error.Field);
        var keys = (await _store.LoadAsync(default)).Keys.ToDictionary(key => key.Id);
        AssertSame(Key("key_2", "ops"), keys["key_2"]);
        Assert.Equal(2, AuditRows);
    }

    [Fact]
    public async Task UpdateKey_IntoUnknownTeam_ThrowsTeamConflictAndKeepsTheKey()
    {
        await _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "a"), Audit("key.create", "key_1"), default);

        var error = await Assert.ThrowsAsync<StorageConflictException>(() =>
            _store.UpdateKeyAsync(Key("key_1", "renamed", teamId: "team_missing"), Audit("key.update", "key_1"), default));

        Assert.Equal("team", error.Field);
        AssertSame(Key("key_1", "dev"), Assert.Single((await _store.LoadAsync(default)).Keys));
        Assert.Equal(1, AuditRows);
    }

    [Fact]
    public async Task RotateKey_OldSecrets_ExpireAtTheGraceEndUnlessTheyEndSooner()
    {
        var graceEnd = StoredResponses.Now + 3600;
        await _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "forever"), Audit("key.create", "key_1"), default);
        await _store.RotateKeyAsync(Key("key_1", "dev"), Secret("key_1", "later", expiresAt: graceEnd + 1), graceEnd - 1, Audit("key.rotate", "key_1"), default);
        await _store.CreateKeyAsync(Key("key_2", "other"), Secret("key_2", "untouched"), Audit("key.create", "key_2"), default);
        // Now key_1 has "forever" (ends graceEnd - 1, sooner than the grace) and "later" (would outlive it).

        Assert.True(await _store.RotateKeyAsync(Key("key_1", "dev") with { Prefix = "sk-llmp-newp", UpdatedAt = 42 }, Secret("key_1", "new"), graceEnd, Audit("key.rotate", "key_1"), default));

        var expiries = (await _store.LoadAsync(default)).Secrets.ToDictionary(secret => Convert.ToHexString(secret.Hash), secret => secret.ExpiresAt);
        Assert.Equal(4, expiries.Count);
        Assert.True(expiries[Hex("forever")] == graceEnd - 1, "a rotation must never extend a secret that already ends sooner");
        Assert.Equal(graceEnd, expiries[Hex("later")]);
        Assert.Null(expiries[Hex("new")]);
        Assert.True(expiries[Hex("untouched")] is null, "another key's secrets are not this rotation's");
        var rotated = (await _store.LoadAsync(default)).Keys.Single(key => key.Id == "key_1");
        Assert.Equal(("sk-llmp-newp", 42L), (rotated.Prefix, rotated.UpdatedAt)); // the prefix names the new secret, in the same transaction
        Assert.Equal(4, AuditRows);
    }

    [Fact]
    public async Task RotateKey_UnknownKey_ReturnsFalseAndAddsNothing()
    {
        Assert.False(await _store.RotateKeyAsync(Key("key_missing", "gone"), Secret("key_missing", "new"), StoredResponses.Now, Audit("key.rotate", "key_missing"), default));

        Assert.Empty((await _store.LoadAsync(default)).Secrets);
        Assert.Equal(0, AuditRows);
    }

    [Fact]
    public async Task DeleteKey_Existing_RemovesItAndItsSecretsOnce()
    {
        await _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "a"), Audit("key.create", "key_1"), default);
        await _store.RotateKeyAsync(Key("key_1", "dev"), Secret("key_1", "b"), StoredResponses.Now + 60, Audit("key.rotate", "key_1"), default);
        await _store.CreateKeyAsync(Key("key_2", "ops"), Secret("key_2", "c"), Audit("key.create", "key_2"), default);

        Assert.True(await _store.DeleteKeyAsync("key_1", Audit("key.delete", "key_1"), default));
        Assert.False(await _store.DeleteKeyAsync("key_1", Audit("key.delete", "key_1"), default), "a second delete finds nothing");

        var state = await _store.LoadAsync(default);
        Assert.Equal("key_2", Assert.Single(state.Keys).Id);
        Assert.Equal("key_2", Assert.Single(state.Secrets).KeyId);
        Assert.Equal(4, AuditRows);
    }

    [Fact]
    public async Task DeleteExpiredSecrets_Mixed_RemovesThoseAtOrBeforeNowAndCountsThem()
    {
        var now = StoredResponses.Now;
        await _store.CreateKeyAsync(Key("key_1", "dev"), Secret("key_1", "past", expiresAt: now - 1), Audit("key.create", "key_1"), default);
        await _store.CreateKeyAsync(Key("key_2", "ops"), Secret("key_2", "boundary", expiresAt: now), Audit("key.create", "key_2"), default);
        await _store.CreateKeyAsync(Key("key_3", "ci"), Secret("key_3", "future", expiresAt: now + 1), Audit("key.create", "key_3"), default);
        await _store.CreateKeyAsync(Key("key_4", "qa"), Secret("key_4", "no end"), Audit("key.create", "key_4"), default);

        Assert.Equal(2, (await _store.LoadAsync(default)).Secrets.Count(secret => secret.ExpiresAt <= now));
        Assert.Equal(2, await _store.DeleteExpiredSecretsAsync(now, default));

        Assert.Equal(["key_3", "key_4"], (await _store.LoadAsync(default)).Secrets.Select(secret => secret.KeyId).Order());
        Assert.Equal(0, await _store.DeleteExpiredSecretsAsync(now, default));
    }

    private static string Hex(string seed) => Convert.ToHexString(Secret("k", seed).Hash);
}
