using System.Net;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Storage;
using LlmProxy.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>GET /admin/usage: the ledger summed per key, team, model, provider or day, as JSON or CSV, costs exact.</summary>
public sealed class AdminUsageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Window = "from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z";
    private AdminApi _admin = null!;
    private string _team = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _admin = await AdminApi.StartAsync();
        _team = await _admin.CreateTeamAsync("""{"name":"research, \"east\""}""");
        _key = (await _admin.CreateKeyAsync($$"""{"name":"ci","team":"{{_team}}"}""")).Id;
        var store = _admin.Proxy.Services.GetRequiredService<IUsageStore>();
        await store.AppendAsync(
        [
            Record(Day1.AddHours(1), _key, "ci", _team, "echo", "local", cost: 1_500_000),
            Record(Day1.AddHours(2), _key, "ci", _team, "echo-2", "local", cost: long.MaxValue),
            Record(Day1.AddHours(25), "cfg-test", "test", null, "echo", null, cost: 3),
            // Outside the window: left out of every sum.
            Record(Day1.AddDays(5), "cfg-test", "test", null, "echo", "local", cost: 7),
        ], CancellationToken.None);
    }

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task ByKey_Json_SumsEachKeyWithItsNameAndExactCost()
    {
        var answer = await _admin.GetAsync("/admin/usage?group_by=key&" + Window);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("list", answer.Json.GetProperty("object").GetString());
        var rows = answer.Json.GetProperty("data").EnumerateArray().ToDictionary(r => r.GetProperty("group").GetString()!);
        Assert.Equal(2, rows.Count);
        var ci = rows[_key];
        Assert.Equal("ci", ci.GetProperty("name").GetString());
        Assert.Equal(2, ci.GetProperty("requests").GetInt64());
        Assert.Equal(20, ci.GetProperty("input_tokens").GetInt64());
        Assert.Equal(4, ci.GetProperty("cached_input_tokens").GetInt64());
        Assert.Equal(2, ci.GetProperty("cache_write_tokens").GetInt64());
        Assert.Equal(10, ci.GetProperty("output_tokens").GetInt64());
        Assert.Equal(6, ci.GetProperty("reasoning_tokens").GetInt64());
        // long.MaxValue + 1_500_000 pico-USD, every digit kept: 9223372.036854775807 + 0.0000015.
        Assert.Equal("9223372.036856275807", ci.GetProperty("cost_usd").GetRawText());
        Assert.Equal("0.000000000003", rows["cfg-test"].GetProperty("cost_usd").GetRawText());
        Assert.Equal("test", rows["cfg-test"].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("model", new[] { "echo", "echo-2" })]
    [InlineData("provider", new[] { null, "local" })]
    [InlineData("day", new[] { "2026-03-01", "2026-03-02" })]
    [InlineData("team", new[] { null, "TEAM" })]
    public async Task OtherGroupings_SumPerGroupAndNameOnlyTeams(string groupBy, string?[] groups)
    {
        var answer = await _admin.GetAsync($"/admin/usage?group_by={groupBy}&{Window}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var rows = answer.Json.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(groups.Select(g => g == "TEAM" ? _team : g), rows.Select(r => r.GetProperty("group").GetString()));
        Assert.Equal(groupBy == "team", rows[0].TryGetProperty("name", out _));
        Assert.Equal(3, rows.Sum(r => r.GetProperty("requests").GetInt64()));
    }

    [Fact]
    public async Task Csv_HasAHeaderAndQuotesPerRfc4180()
    {
        var answer = await _admin.GetAsync($"/admin/usage?group_by=team&format=csv&{Window}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("text/csv; charset=utf-8", answer.ContentType);
        Assert.Equal(
            "group,name,requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,cost_usd\r\n" +
            ",,1,10,2,1,5,3,0.000000000003\r\n" +
            $"{_team},\"research, \"\"east\"\"\",2,20,4,2,10,6,9223372.036856275807\r\n",
            answer.Text);
    }

    [Fact]
    public async Task Csv_ByModel_HasNoNameColumn()
    {
        var answer = await _admin.GetAsync($"/admin/usage?group_by=model&format=csv&{Window}");

        Assert.StartsWith("group,requests,input_tokens,", answer.Text);
        Assert.Contains("\r\necho,2,", answer.Text);
    }

    [Fact]
    public async Task Defaults_AreByKeyOverTheLast30DaysAsJson()
    {
        var recent = DateTimeOffset.UtcNow.AddDays(-1);
        await _admin.Proxy.Services.GetRequiredService<IUsageStore>().AppendAsync(
            [Record(recent, "cfg-test", "test", null, "echo", "local", cost: 5), Record(DateTimeOffset.UtcNow.AddDays(-31), _key, "ci", _team, "echo", "local", cost: 5)],
            CancellationToken.None);

        var answer = await _admin.GetAsync("/admin/usage");

        var row = Assert.Single(answer.Json.GetProperty("data").EnumerateArray());
        Assert.Equal("cfg-test", row.GetProperty("group").GetString());
        Assert.Equal(1, row.GetProperty("requests").GetInt64());
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-03-01", "from")]
    [InlineData("to=2026-03-01T00:00:00", "to")]
    [InlineData("from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "from")]
    [InlineData("group_by=user", "group_by")]
    [InlineData("format=xml", "format")]
    [InlineData("format=csv&format=json", "format")]
    public async Task BadParameter_Is400NamingIt(string query, string param)
    {
        (await _admin.GetAsync("/admin/usage?" + query)).AssertError(HttpStatusCode.BadRequest, "invalid_value", param);
    }

    [Theory]
    [InlineData("group=team", "group")]
    [InlineData("group_by=team&form=csv", "form")]
    [InlineData("since=2026-03-01T00:00:00Z", "since")]
    public async Task UnknownParameter_Is400NamingIt(string query, string param)
    {
        var answer = await _admin.GetAsync("/admin/usage?" + query);

        answer.AssertError(HttpStatusCode.BadRequest, "unknown_parameter", param);
        Assert.Contains("from, to, group_by, format", answer.Json.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task KnownParameter_InAnotherCase_IsTaken()
    {
        var answer = await _admin.GetAsync("/admin/usage?Group_By=model");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    [Theory]
    [InlineData("to=0001-01-02T00:00:00Z")]
    [InlineData("from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z")]
    public async Task ExtremeInstants_AreAnsweredNotCrashedOn(string query)
    {
        var answer = await _admin.GetAsync("/admin/usage?" + query);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    private static UsageRecord Record(DateTimeOffset time, string keyId, string keyName, string? teamId, string model, string? provider, long cost) =>
        new(time.ToUnixTimeMilliseconds(), keyId, keyName, teamId, model, provider, provider is null ? null : "echo", "chat.completions", 200, null,
            new TokenUsage(10, 5, CachedInputTokens: 2, CacheWriteTokens: 1, ReasoningTokens: 3), cost, false, 12, 3, 1, 1, false, false);
}
