using System.Net;
using System.Text.Json;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>/admin/teams: teams hold limits and models every key in them shares; a team with keys cannot be deleted.</summary>
public sealed class AdminTeamTests : IAsyncLifetime
{
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync();

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task Create_AnswersTheTeamWithoutKeyOnlyFields()
    {
        var answer = await _admin.PostAsync("/admin/teams", """{"name":"ml","models":["echo"],"rpm":10,"budgetUsd":100,"budgetPeriod":"monthly","metadata":{"cost_center":42}}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var team = answer.Json;
        Assert.Equal("team", team.GetProperty("object").GetString());
        Assert.Matches("^team_[0-9a-f]{24}$", team.GetProperty("id").GetString());
        Assert.Equal("ml", team.GetProperty("name").GetString());
        Assert.Equal(10, team.GetProperty("rpm").GetInt32());
        Assert.Equal(JsonValueKind.Null, team.GetProperty("tpm").ValueKind);
        Assert.Equal(100m, team.GetProperty("budgetUsd").GetDecimal());
        Assert.Equal(42, team.GetProperty("metadata").GetProperty("cost_center").GetInt32());
        foreach (var keyOnly in new[] { "team", "expiresAt", "prefix", "revoked", "source", "key" })
        {
            Assert.False(team.TryGetProperty(keyOnly, out _), $"a team has no '{keyOnly}'");
        }
        Assert.Equal(answer.Text, (await _admin.GetAsync($"/admin/teams/{team.GetProperty("id").GetString()}")).Text);
    }

    [Fact]
    public async Task TeamModels_LimitItsKeysOnTheNextRequest()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"narrow","models":["echo"]}""");
        var (_, secret) = await _admin.CreateKeyAsync($$"""{"team":"{{team}}"}""");
        Assert.Equal(HttpStatusCode.Forbidden, (await _admin.ChatAsync(secret, "echo-2")).Status);

        var patched = await _admin.PatchAsync($"/admin/teams/{team}", """{"models":["*"]}""");

        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(secret, "echo-2")).Status);
    }

    [Fact]
    public async Task Patch_RenamesAndClears()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"a","rpm":5}""");

        var answer = await _admin.PatchAsync($"/admin/teams/{team}", """{"name":"b","rpm":null}""");

        Assert.Equal("b", answer.Json.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, answer.Json.GetProperty("rpm").ValueKind);
    }

    [Fact]
    public async Task Create_DuplicateName_Is400NameTaken()
    {
        await _admin.CreateTeamAsync("""{"name":"dup"}""");

        (await _admin.PostAsync("/admin/teams", """{"name":"dup"}""")).AssertError(HttpStatusCode.BadRequest, "name_taken", "name");
        var other = await _admin.CreateTeamAsync("""{"name":"other"}""");
        (await _admin.PatchAsync($"/admin/teams/{other}", """{"name":"dup"}""")).AssertError(HttpStatusCode.BadRequest, "name_taken", "name");
    }

    [Fact]
    public async Task Delete_TeamWithKeys_Is400UntilTheKeysLeave()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"busy"}""");
        var (key, _) = await _admin.CreateKeyAsync($$"""{"team":"{{team}}"}""");

        (await _admin.DeleteAsync($"/admin/teams/{team}")).AssertError(HttpStatusCode.BadRequest, "team_not_empty", "team");
        var moved = await _admin.PatchAsync($"/admin/keys/{key}", """{"team":null}""");
        var deleted = await _admin.DeleteAsync($"/admin/teams/{team}");

        Assert.Equal(JsonValueKind.Null, moved.Json.GetProperty("team").ValueKind);
        Assert.Equal($$"""{"id":"{{team}}","object":"team.deleted","deleted":true}""", deleted.Text);
        (await _admin.GetAsync($"/admin/teams/{team}")).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("GET", null)]
    [InlineData("PATCH", """{"rpm":1}""")]
    [InlineData("DELETE", null)]
    public async Task UnknownId_Is404NotFound(string method, string? body)
    {
        var answer = await _admin.SendAsync(new HttpMethod(method), "/admin/teams/team_000000000000000000000000", body);

        answer.AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task List_PagesInIdOrder()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await _admin.CreateTeamAsync($$"""{"name":"t{{i}}"}"""));
        }
        ids.Sort(StringComparer.Ordinal);

        var first = (await _admin.GetAsync("/admin/teams?limit=2")).Json;
        var second = (await _admin.GetAsync($"/admin/teams?limit=2&after={first.GetProperty("last_id").GetString()}")).Json;

        Assert.Equal(ids[..2], first.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal(ids[2..], second.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
        Assert.False(second.GetProperty("has_more").GetBoolean());
    }
}
