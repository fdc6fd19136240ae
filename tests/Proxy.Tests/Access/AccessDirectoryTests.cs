using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Storage;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Tests.Access;

public sealed class AccessDirectoryTests
{
    private readonly AccessDirectory _store = new([
        new KeyConfig("sk-alpha", "alpha", ["*"], null, null, null, null),
        new KeyConfig("sk-beta", "beta", ["echo"], null, null, null, null),
    ]);

    [Theory]
    [InlineData("sk-alpha", "alpha")]
    [InlineData("sk-beta", "beta")]
    public void Find_ConfiguredKey_ReturnsIt(string presented, string name) =>
        Assert.Equal(name, _store.Find(presented, 0)?.Name);

    [Theory]
    [InlineData("")]
    [InlineData("sk-alph")]
    [InlineData("sk-alphaa")]
    [InlineData("SK-ALPHA")]
    public void Find_AnyOtherKey_ReturnsNull(string presented) => Assert.Null(_store.Find(presented, 0));

    [Fact]
    public void Find_OversizedKey_ReturnsNullWithoutThrowing() => Assert.Null(_store.Find(new string('k', 100_000), 0));

    [Fact]
    public void MayUse_KeyWithModelList_AllowsOnlyThose()
    {
        var beta = _store.Find("sk-beta", 0)!;
        Assert.True(beta.MayUse("echo"));
        Assert.False(beta.MayUse("gpt-4o"));
        Assert.True(_store.Find("sk-alpha", 0)!.MayUse("anything"));
    }

    [Theory]
    [InlineData("Authorization", "Bearer sk-alpha", "sk-alpha")]
    [InlineData("Authorization", "BEARER   sk-alpha  ", "sk-alpha")]
    [InlineData("Authorization", "Basic c2stYWxwaGE=", "")]
    [InlineData("x-api-key", "sk-alpha", "sk-alpha")]
    [InlineData("x-other", "sk-alpha", "")]
    public void Read_CredentialHeaders_TakesBearerOrXApiKey(string header, string value, string expected)
    {
        var headers = new HeaderDictionary { [header] = value };

        Assert.Equal(expected, ClientCredentials.Read(headers).ToString());
    }

    private static StoredKey Stored(string id, string? team = null, bool revoked = false) =>
        new(id, id + "-name", team, ["echo"], null, null, null, null, "never", null, null, "sk-llmp-abcd", revoked, 0, 0);

    private static StoredSecret Secret(string secret, string keyId, long? expiresAt = null) => new(SecretHash.Of(secret).ToBytes(), keyId, expiresAt);

    [Fact]
    public void Find_StoredKeyBySecret_ReturnsItWithItsTeam()
    {
        _store.Load(new AccessState([Stored("key_1", "team_1")], [Secret("sk-llmp-one", "key_1")],
            [new StoredTeam("team_1", "platform", ["*"], 10, null, null, null, "never", null, 0, 0)]));

        var key = _store.Find("sk-llmp-one", 0)!;

        Assert.Equal(("key_1", "key_1", "platform"), (key.Id, key.Owner, key.Team?.Name));
        Assert.Equal(10, key.Team!.Limits.Rpm);
        Assert.NotNull(_store.Find("sk-alpha", 0)); // config keys stay beside stored ones
    }

    [Fact]
    public void Find_RotatedOutSecret_WorksUntilItsGraceEndsThenNot()
    {
        _store.Load(new AccessState([Stored("key_2")], [Secret("sk-llmp-old", "key_2", expiresAt: 1_000), Secret("sk-llmp-new", "key_2")], []));

        Assert.Equal("key_2", _store.Find("sk-llmp-old", 999)?.Id);
        Assert.Null(_store.Find("sk-llmp-old", 1_000));
        Assert.Equal("key_2", _store.Find("sk-llmp-new", 1_000_000)?.Id);
    }

    [Fact]
    public void Load_KeyDeleted_ItsSecretNoLongerFindsIt()
    {
        _store.Load(new AccessState([Stored("key_3")], [Secret("sk-llmp-three", "key_3")], []));
        Assert.NotNull(_store.Find("sk-llmp-three", 0));

        _store.Load(new AccessState([], [], []));

        Assert.Null(_store.Find("sk-llmp-three", 0));
        Assert.Null(_store.FindKey("key_3"));
        Assert.Equal(["cfg-alpha", "cfg-beta"], _store.Keys.Select(k => k.Id));
    }

    [Fact]
    public void Find_RevokedKey_IsReturnedSoTheCallerCanSaySo()
    {
        _store.Load(new AccessState([Stored("key_4", revoked: true)], [Secret("sk-llmp-four", "key_4")], []));

        Assert.True(_store.Find("sk-llmp-four", 0)!.Revoked);
    }

    [Fact]
    public void Find_SecretOfAnUnknownKeyId_IsIgnored()
    {
        _store.Load(new AccessState([], [Secret("sk-llmp-orphan", "key_gone")], []));

        Assert.Null(_store.Find("sk-llmp-orphan", 0));
    }

    [Fact]
    public void ConfigKey_Owner_IsTheSecretsHashNotItsName() =>
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("sk-alpha"u8)), _store.Find("sk-alpha", 0)!.Owner);

    [Fact]
    public async Task ChangeAsync_KeyAndTeamDeleted_ReportsBothIdsRemovedAndNoOther()
    {
        using var database = new Storage.TemporaryDatabase();
        using var sqlite = database.OpenDatabase();
        var store = new SqlAccessStore(sqlite);
        var removed = new List<string>();
        _store.Removed = removed.Add;
        await _store.ChangeAsync(store, async () =>
        {
            await store.CreateTeamAsync(Storage.StoredAccess.Team("team_1", "research"), Storage.StoredAccess.Audit("team.create", "team_1"), default);
            await store.CreateKeyAsync(Storage.StoredAccess.Key("key_1", "one", "team_1"), Storage.StoredAccess.Secret("key_1", "a"),
                Storage.StoredAccess.Audit("key.create", "key_1"), default);
            await store.CreateKeyAsync(Storage.StoredAccess.Key("key_2", "two"), Storage.StoredAccess.Secret("key_2", "b"),
                Storage.StoredAccess.Audit("key.create", "key_2"), default);
            return 0;
        }, default);
        Assert.Empty(removed);

        await _store.ChangeAsync(store, async () =>
        {
            await store.DeleteKeyAsync("key_1", Storage.StoredAccess.Audit("key.delete", "key_1"), default);
            return await store.DeleteTeamAsync("team_1", Storage.StoredAccess.Audit("team.delete", "team_1"), default);
        }, default);

        Assert.Equal(["key_1", "team_1"], removed);
        Assert.NotNull(_store.FindKey("key_2"));
    }

    [Fact]
    public async Task ReplaceConfigKeysAsync_NewConfigKeys_ServeNextWhileStoredKeysStayAndRemovedOnesAreReported()
    {
        _store.Load(new AccessState([Stored("key_5")], [Secret("sk-llmp-five", "key_5")], []));
        var removed = new List<string>();
        _store.Removed = removed.Add;
        var alongside = 0;

        await _store.ReplaceConfigKeysAsync([new KeyConfig("sk-gamma", "gamma", ["*"], 5, null, null, null), new KeyConfig("sk-beta", "beta", ["*"], null, null, null, null)],
            () => alongside++, default);

        Assert.Null(_store.Find("sk-alpha", 0));
        Assert.Equal(5, _store.Find("sk-gamma", 0)!.Limits.Rpm);
        Assert.True(_store.Find("sk-beta", 0)!.MayUse("gpt-4o")); // a changed key serves with its new fields
        Assert.Equal("key_5", _store.Find("sk-llmp-five", 0)?.Id);
        Assert.Equal(["cfg-alpha"], removed);
        Assert.Equal(1, alongside);
    }

    [Fact]
    public async Task ReplaceConfigKeysAsync_ConfigKeyNamedAsAStoredKey_ThrowsNamingTheFieldAndChangesNothing()
    {
        _store.Load(new AccessState([Stored("key_6")], [Secret("sk-llmp-six", "key_6")], []));
        var alongside = 0;

        var error = await Assert.ThrowsAsync<ConfigException>(() => _store.ReplaceConfigKeysAsync(
            [new KeyConfig("sk-gamma", "gamma", ["*"], null, null, null, null), new KeyConfig("sk-clash", "key_6-name", ["*"], null, null, null, null)],
            () => alongside++, default));

        Assert.StartsWith("keys[1].name: ", error.Message);
        Assert.Equal(0, alongside);
        Assert.NotNull(_store.Find("sk-alpha", 0));
        Assert.Null(_store.Find("sk-gamma", 0));
    }
}
