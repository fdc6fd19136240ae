using System.Net;
using System.Text.Json;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>Every admin change leaves an audit entry (who, what, when, the fields applied), newest first, never a secret.</summary>
public sealed class AdminAuditTests : IAsyncLifetime
{
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync();

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task EveryChange_IsAuditedNewestFirstWithoutSecrets()
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var team = await _admin.CreateTeamAsync("""{"name":"t","rpm":5}""");
        await _admin.PatchAsync($"/admin/teams/{team}", """{"rpm":null}""");
        var (key, first) = await _admin.CreateKeyAsync($$$"""{"name":"k","team":"{{{team}}}","metadata":{"x":1}}""");
        await _admin.PatchAsync($"/admin/keys/{key}", """{"team":null,"tpm":9}""");
        var rotated = await _admin.PostAsync($"/admin/keys/{key}/rotate", """{"gracePeriodSeconds":30}""");
        var second = rotated.Json.GetProperty("key").GetString()!;
        await _admin.DeleteAsync($"/admin/keys/{key}");
        await _admin.DeleteAsync($"/admin/teams/{team}");

        var audit = await _admin.GetAsync("/admin/audit");

        Assert.Equal(HttpStatusCode.OK, audit.Status);
        var entries = audit.Json.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(
            ["team.delete", "key.delete", "key.rotate", "key.update", "key.create", "team.update", "team.create"],
            entries.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal([team, key, key, key, key, team, team], entries.Select(e => e.GetProperty("target").GetString()));
        foreach (var entry in entries)
        {
            Assert.Equal("audit_entry", entry.GetProperty("object").GetString());
            Assert.Equal("master_key@127.0.0.1", entry.GetProperty("actor").GetString());
            var time = DateTimeOffset.Parse(entry.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(time, started, DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.Equal(JsonValueKind.Object, entry.GetProperty("details").ValueKind);
        }
        var ids = entries.Select(e => long.Parse(e.GetProperty("id").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.DoesNotContain(first[8..], audit.Text);
        Assert.DoesNotContain(second[8..], audit.Text);
        Assert.DoesNotContain(AdminApi.MasterKey, audit.Text);

        var create = entries[4].GetProperty("details");
        Assert.Equal("k", create.GetProperty("name").GetString());
        Assert.Equal(team, create.GetProperty("team").GetString());
        Assert.Equal(1, create.GetProperty("metadata").GetProperty("x").GetInt32());
        Assert.Equal(first[..12], create.GetProperty("prefix").GetString());
        var update = entries[3].GetProperty("details");
        Assert.Equal(JsonValueKind.Null, update.GetProperty("team").ValueKind);
        Assert.Equal(9, update.GetProperty("tpm").GetInt32());
        Assert.False(update.TryGetProperty("name", out _), "an update's details hold only the fields it sent");
        var rotation = entries[2].GetProperty("details");
        Assert.Equal(30, rotation.GetProperty("gracePeriodSeconds").GetInt32());
        Assert.Equal(second[..12], rotation.GetProperty("prefix").GetString());
        Assert.Equal("k", entries[1].GetProperty("details").GetProperty("name").GetString());
    }

    [Fact]
    public async Task RefusedChange_IsNotAudited()
    {
        await _admin.PostAsync("/admin/keys", """{"rpm":0}""");
        await _admin.PatchAsync("/admin/keys/cfg-test", """{"rpm":1}""");
        await _admin.DeleteAsync("/admin/teams/team_000000000000000000000000");

        var audit = await _admin.GetAsync("/admin/audit");

        Assert.Equal(0, audit.Json.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task List_PagesOlderWithAfter()
    {
        for (var i = 0; i < 5; i++)
        {
            await _admin.CreateTeamAsync($$"""{"name":"t{{i}}"}""");
        }

        var first = (await _admin.GetAsync("/admin/audit?limit=3")).Json;
        var second = (await _admin.GetAsync($"/admin/audit?limit=3&after={first.GetProperty("last_id").GetString()}")).Json;

        Assert.Equal(["t4", "t3", "t2"], Names(first));
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal(["t1", "t0"], Names(second));
        Assert.False(second.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("after=abc", "after")]
    [InlineData("after=-1", "after")]
    [InlineData("limit=1000", "limit")]
    public async Task List_BadParameter_Is400NamingIt(string query, string param)
    {
        (await _admin.GetAsync("/admin/audit?" + query)).AssertError(HttpStatusCode.BadRequest, "invalid_value", param);
    }

    private static IEnumerable<string> Names(JsonElement page) =>
        page.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("details").GetProperty("name").GetString()!);
}
