using System.Net;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>What the admin API made lives in the database: a restarted proxy serves it as before, secrets included.</summary>
public sealed class AdminRestartTests
{
    [Fact]
    public async Task Restart_KeepsKeysTeamsSecretsRevocationsAndAudit()
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-admin-restart-").FullName;
        var path = Path.Combine(folder, "proxy.db");
        try
        {
            string id, secret, revokedSecret, team, keyBefore, teamBefore;
            await using (var first = await AdminApi.StartOnDatabaseAsync(path))
            {
                team = await first.CreateTeamAsync("""{"name":"kept","rpm":9}""");
                (id, secret) = await first.CreateKeyAsync($$"""{"name":"survivor","team":"{{team}}","models":["echo"]}""");
                var (revokedId, revoked) = await first.CreateKeyAsync("""{"name":"gone"}""");
                revokedSecret = revoked;
                await first.PatchAsync($"/admin/keys/{revokedId}", """{"revoked":true}""");
                keyBefore = (await first.GetAsync($"/admin/keys/{id}")).Text;
                teamBefore = (await first.GetAsync($"/admin/teams/{team}")).Text;
            }

            await using var second = await AdminApi.StartOnDatabaseAsync(path);

            Assert.Equal(keyBefore, (await second.GetAsync($"/admin/keys/{id}")).Text);
            Assert.Equal(teamBefore, (await second.GetAsync($"/admin/teams/{team}")).Text);
            Assert.Equal((HttpStatusCode.OK, null), await second.ChatAsync(secret));
            Assert.Equal((HttpStatusCode.Forbidden, "model_not_allowed"), await second.ChatAsync(secret, "echo-2"));
            Assert.Equal((HttpStatusCode.Unauthorized, "revoked_api_key"), await second.ChatAsync(revokedSecret));
            Assert.Equal(4, (await second.GetAsync("/admin/audit")).Json.GetProperty("data").GetArrayLength());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Restart_ConfigKeyNowNamedAsAStoredKey_StopsTheStartNamingTheField()
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-admin-restart-").FullName;
        var path = Path.Combine(folder, "proxy.db");
        try
        {
            string id;
            await using (var first = await AdminApi.StartOnDatabaseAsync(path))
            {
                (id, _) = await first.CreateKeyAsync("""{"name":"ci"}""");
            }
            // The file is edited afterwards: a config key takes the stored key's name, which reports could not tell apart.
            var edited = AdminApi.Config.Replace("""{ "key": "sk-test-client", "name": "test",""", """{ "key": "sk-other", "name": "ci" }, { "key": "sk-test-client", "name": "test",""");
            Assert.NotEqual(AdminApi.Config, edited);

            var error = await Assert.ThrowsAsync<LlmProxy.Config.ConfigException>(() => LlmProxy.Testing.ProxyHost.StartOnDatabaseAsync(path, edited));

            Assert.Equal($"keys[0].name: 'ci' is already the name of the key {id} made through the admin API; rename one of them", error.Message);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
