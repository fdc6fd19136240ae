using System.Net;
using System.Text.Json;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>/admin/keys: a key made here works at once, shows its secret once, and stops at once when revoked or deleted.</summary>
public sealed class AdminKeyTests : IAsyncLifetime
{
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync();

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task Create_WithEveryField_AnswersTheKeyAndItsSecretOnce()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"research"}""");

        var answer = await _admin.PostAsync("/admin/keys", $$$"""
            {"name":"ci","team":"{{{team}}}","models":["echo","echo"],"rpm":60,"tpm":1000,"maxParallel":2,"budgetUsd":10.123456,
             "budgetPeriod":"daily","expiresAt":"2099-01-02T03:04:05+01:00","metadata":{"owner":"ops","tags":["a"]}}
            """);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var key = answer.Json;
        Assert.Equal("key", key.GetProperty("object").GetString());
        Assert.Matches("^key_[0-9a-f]{24}$", key.GetProperty("id").GetString());
        var secret = key.GetProperty("key").GetString()!;
        Assert.Matches("^sk-llmp-[A-Za-z0-9_-]{43}$", secret);
        Assert.Equal(secret[..12], key.GetProperty("prefix").GetString());
        Assert.Equal("ci", key.GetProperty("name").GetString());
        Assert.Equal(team, key.GetProperty("team").GetString());
        Assert.Equal(["echo"], key.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(60, key.GetProperty("rpm").GetInt32());
        Assert.Equal(1000, key.GetProperty("tpm").GetInt32());
        Assert.Equal(2, key.GetProperty("maxParallel").GetInt32());
        Assert.Equal(10.123456m, key.GetProperty("budgetUsd").GetDecimal());
        Assert.Equal("daily", key.GetProperty("budgetPeriod").GetString());
        Assert.Equal("2099-01-02T02:04:05Z", key.GetProperty("expiresAt").GetString());
        Assert.Equal("ops", key.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.False(key.GetProperty("revoked").GetBoolean());
        Assert.Equal("admin", key.GetProperty("source").GetString());
        Assert.Equal(key.GetProperty("createdAt").GetString(), key.GetProperty("updatedAt").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", key.GetProperty("createdAt").GetString());
    }

    [Fact]
    public async Task Create_EmptyBody_MakesAnUnlimitedKeyForEveryModelNamedByItsId()
    {
        var answer = await _admin.PostAsync("/admin/keys");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var key = answer.Json;
        Assert.Equal(key.GetProperty("id").GetString(), key.GetProperty("name").GetString());
        Assert.Equal(["*"], key.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        foreach (var field in new[] { "team", "rpm", "tpm", "maxParallel", "budgetUsd", "expiresAt", "metadata" })
        {
            Assert.Equal(JsonValueKind.Null, key.GetProperty(field).ValueKind);
        }
        Assert.Equal("never", key.GetProperty("budgetPeriod").GetString());
    }

    [Fact]
    public async Task CreatedKey_WorksOnChatCompletionsAtOnce()
    {
        var (_, secret) = await _admin.CreateKeyAsync("""{"name":"fresh","models":["echo"]}""");

        Assert.Equal((HttpStatusCode.OK, null), await _admin.ChatAsync(secret));
        Assert.Equal((HttpStatusCode.Forbidden, "model_not_allowed"), await _admin.ChatAsync(secret, "echo-2"));
    }

    [Fact]
    public async Task Secret_IsNeverShownAgain_InGetListOrAudit()
    {
        var (id, secret) = await _admin.CreateKeyAsync("""{"name":"once"}""");

        var get = await _admin.GetAsync($"/admin/keys/{id}");
        var list = await _admin.GetAsync("/admin/keys");
        var audit = await _admin.GetAsync("/admin/audit");

        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.False(get.Json.TryGetProperty("key", out _), "a key's secret is shown by create and rotate only");
        foreach (var text in new[] { get.Text, list.Text, audit.Text })
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(secret[12..], text);
        }
        Assert.Equal(secret[..12], get.Json.GetProperty("prefix").GetString());
    }

    [Fact]
    public async Task Patch_FieldsPresentReplaceNullClearsAbsentStays()
    {
        var (id, _) = await _admin.CreateKeyAsync("""{"name":"p","rpm":5,"tpm":50,"metadata":{"a":1},"expiresAt":"2099-01-01T00:00:00Z"}""");

        var answer = await _admin.PatchAsync($"/admin/keys/{id}", """{"rpm":7,"tpm":null,"metadata":null,"budgetUsd":0,"budgetPeriod":"weekly"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var key = answer.Json;
        Assert.Equal(7, key.GetProperty("rpm").GetInt32());
        Assert.Equal(JsonValueKind.Null, key.GetProperty("tpm").ValueKind);
        Assert.Equal(JsonValueKind.Null, key.GetProperty("metadata").ValueKind);
        Assert.Equal(0m, key.GetProperty("budgetUsd").GetDecimal());
        Assert.Equal("weekly", key.GetProperty("budgetPeriod").GetString());
        Assert.Equal("p", key.GetProperty("name").GetString());
        Assert.Equal("2099-01-01T00:00:00Z", key.GetProperty("expiresAt").GetString());
        Assert.False(key.TryGetProperty("key", out _));
        Assert.Equal(answer.Text, (await _admin.GetAsync($"/admin/keys/{id}")).Text);
    }

    [Fact]
    public async Task Patch_Models_TakesEffectOnTheNextRequest()
    {
        var (id, secret) = await _admin.CreateKeyAsync("""{"models":["echo"]}""");
        Assert.Equal(HttpStatusCode.Forbidden, (await _admin.ChatAsync(secret, "echo-2")).Status);

        await _admin.PatchAsync($"/admin/keys/{id}", """{"models":["*"]}""");

        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(secret, "echo-2")).Status);
    }

    [Fact]
    public async Task Patch_RevokedTrue_Is401RevokedOnTheNextRequestAndForGood()
    {
        var (id, secret) = await _admin.CreateKeyAsync();
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(secret)).Status);

        var revoked = await _admin.PatchAsync($"/admin/keys/{id}", """{"revoked":true}""");
        var reinstated = await _admin.PatchAsync($"/admin/keys/{id}", """{"revoked":false}""");

        Assert.True(revoked.Json.GetProperty("revoked").GetBoolean());
        Assert.Equal((HttpStatusCode.Unauthorized, "revoked_api_key"), await _admin.ChatAsync(secret));
        reinstated.AssertError(HttpStatusCode.BadRequest, "invalid_value", "revoked");
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync($"/admin/keys/{id}")).Status);
    }

    [Fact]
    public async Task Delete_AnswersDeletedAndTheKeyIs401OnTheNextRequest()
    {
        var (id, secret) = await _admin.CreateKeyAsync();
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(secret)).Status);

        var answer = await _admin.DeleteAsync($"/admin/keys/{id}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal($$"""{"id":"{{id}}","object":"key.deleted","deleted":true}""", answer.Text);
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_api_key"), await _admin.ChatAsync(secret));
        (await _admin.GetAsync($"/admin/keys/{id}")).AssertError(HttpStatusCode.NotFound, "not_found");
        (await _admin.DeleteAsync($"/admin/keys/{id}")).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("GET", "/admin/keys/key_000000000000000000000000", null)]
    [InlineData("PATCH", "/admin/keys/key_000000000000000000000000", """{"rpm":1}""")]
    [InlineData("DELETE", "/admin/keys/key_000000000000000000000000", null)]
    [InlineData("POST", "/admin/keys/key_000000000000000000000000/rotate", null)]
    [InlineData("GET", "/admin/keys/cfg-nobody", null)]
    public async Task UnknownId_Is404NotFound(string method, string path, string? body)
    {
        var answer = await _admin.SendAsync(new HttpMethod(method), path, body);

        answer.AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task ConfigKey_IsListedAndReadableWithoutSecretOrPrefix()
    {
        var list = await _admin.GetAsync("/admin/keys");
        var get = await _admin.GetAsync($"/admin/keys/{AdminApi.ConfigKeyId}");

        var listed = list.Json.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("id").GetString() == AdminApi.ConfigKeyId);
        Assert.Equal(listed.GetRawText(), get.Json.GetRawText());
        Assert.Equal("config", listed.GetProperty("source").GetString());
        Assert.Equal("test", listed.GetProperty("name").GetString());
        Assert.Equal(600, listed.GetProperty("rpm").GetInt32());
        Assert.Equal(12.5m, listed.GetProperty("budgetUsd").GetDecimal());
        Assert.Equal("monthly", listed.GetProperty("budgetPeriod").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("prefix").ValueKind);
        Assert.DoesNotContain(Testing.ProxyHost.ClientKey, list.Text + get.Text);
    }

    [Theory]
    [InlineData("PATCH", "/admin/keys/cfg-test", """{"rpm":1}""")]
    [InlineData("DELETE", "/admin/keys/cfg-test", null)]
    [InlineData("POST", "/admin/keys/cfg-test/rotate", null)]
    public async Task ConfigKey_ChangeIs400ReadOnlyAndChangesNothing(string method, string path, string? body)
    {
        var before = (await _admin.GetAsync("/admin/keys/cfg-test")).Text;

        var answer = await _admin.SendAsync(new HttpMethod(method), path, body);

        answer.AssertError(HttpStatusCode.BadRequest, "config_key_read_only");
        Assert.Contains("config file", answer.Error.GetProperty("message").GetString());
        Assert.Equal(before, (await _admin.GetAsync("/admin/keys/cfg-test")).Text);
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(Testing.ProxyHost.ClientKey)).Status);
    }

    [Fact]
    public async Task List_PagesWithLimitAndAfterInIdOrder()
    {
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await _admin.CreateKeyAsync($$"""{"name":"page-{{i}}"}""")).Id);
        }
        var expected = created.Append(AdminApi.ConfigKeyId).Order(StringComparer.Ordinal).ToList();

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        while (true)
        {
            var page = (await _admin.GetAsync("/admin/keys?limit=2" + (after is null ? "" : "&after=" + after))).Json;
            var ids = page.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetString()!).ToList();
            seen.AddRange(ids);
            pages++;
            Assert.Equal(ids[0], page.GetProperty("first_id").GetString());
            Assert.Equal(ids[^1], page.GetProperty("last_id").GetString());
            if (!page.GetProperty("has_more").GetBoolean())
            {
                break;
            }
            after = page.GetProperty("last_id").GetString();
        }

        Assert.Equal(expected, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task List_AfterTheLastId_IsAnEmptyPage()
    {
        var page = (await _admin.GetAsync("/admin/keys?after=zzz")).Json;

        Assert.Equal(0, page.GetProperty("data").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("first_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, page.GetProperty("last_id").ValueKind);
        Assert.False(page.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=-1")]
    [InlineData("limit=ten")]
    [InlineData("limit=1&limit=2")]
    public async Task List_BadLimit_Is400NamingLimit(string query)
    {
        var answer = await _admin.GetAsync("/admin/keys?" + query);

        answer.AssertError(HttpStatusCode.BadRequest, "invalid_value", "limit");
    }

    [Theory]
    [InlineData("/admin/keys?team=t1", "team")]
    [InlineData("/admin/teams?limit=5&page=2", "page")]
    [InlineData("/admin/audit?before=3", "before")]
    public async Task List_UnknownParameter_Is400NamingIt(string path, string param)
    {
        var answer = await _admin.GetAsync(path);

        answer.AssertError(HttpStatusCode.BadRequest, "unknown_parameter", param);
    }

    [Fact]
    public async Task Create_ConcurrentlyWithTheSameName_MakesExactlyOne()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _admin.PostAsync("/admin/keys", """{"name":"race"}""")));

        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => a.AssertError(HttpStatusCode.BadRequest, "name_taken", "name"));
    }
}
