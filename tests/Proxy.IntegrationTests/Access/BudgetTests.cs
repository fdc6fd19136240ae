using System.Globalization;
using System.Net;
using System.Text.Json;
using LlmProxy.IntegrationTests.Admin;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// Budgets end to end: a key's spend, priced at its deployment's price, stops it once its budget is gone, with a 429 that
/// says when the budget comes back; the key can read its own spend (and only its own); a restart does not forget it.
/// </summary>
public sealed class BudgetTests : IAsyncLifetime
{
    private const string OtherKey = "sk-test-other";

    // The mock's usage is words in and words out: "hello there" is 2 in, 2 out, so at 1 USD per million input tokens
    // and 2 per million output tokens it costs 2 * 1 + 2 * 2 = 6 micro-USD, six times the key's budget of 1 micro-USD.
    private const string Prompt = "hello there";
    private const decimal FirstCostUsd = 0.000006m;

    private static readonly string Config = $$"""
        {
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo", "price": { "inputPerMTok": 1, "outputPerMTok": 2 } } ] },
          "keys": [
            { "key": "{{ProxyHost.ClientKey}}", "name": "test", "budgetUsd": 0.000001, "budgetPeriod": "monthly" },
            { "key": "{{OtherKey}}", "name": "other" }
          ]
        }
        """;

    private string _folder = null!;

    private string DatabasePath => Path.Combine(_folder, "proxy.db");

    public Task InitializeAsync()
    {
        _folder = Directory.CreateTempSubdirectory("llm-proxy-budget-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Budget_SpentByTheFirstRequest_NextIs429BudgetExceededNamingTheReset()
    {
        await using var proxy = await ProxyHost.StartOnDatabaseAsync(DatabasePath, Config);
        var now = DateTimeOffset.UtcNow;
        var reset = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);

        var first = await AccessCalls.PostAsync(proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt));
        await AccessCalls.RecordsAsync(proxy, 1); // charged when the request is closed, just after its last byte
        var second = await AccessCalls.PostAsync(proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt));
        var messages = await AccessCalls.PostAsync(proxy, AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "echo", Prompt));

        Assert.True(first.Status == HttpStatusCode.OK, $"a key within its budget is served: {first.Text}");
        Assert.True(second.Status == HttpStatusCode.TooManyRequests, $"a key whose budget is spent must be refused: {second.Text}");
        Assert.Equal("budget_exceeded", second.Error.GetProperty("code").GetString());
        var message = second.Error.GetProperty("message").GetString()!;
        Assert.Contains($"It resets at {reset:yyyy-MM-ddTHH:mm:ssZ}", message);
        Assert.Contains("0.000006 USD", message); // what it spent
        Assert.Contains("monthly budget of 0.000001 USD", message);
        var retryAfter = second.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { } wait && Math.Abs((now + wait - reset).TotalSeconds) < 60,
            $"Retry-After points at the reset, not at a retry that would be refused again: {second.Headers.RetryAfter}");
        Assert.Equal(HttpStatusCode.TooManyRequests, messages.Status);
        Assert.Equal("rate_limit_error", messages.Error.GetProperty("type").GetString());
        Assert.Contains("Budget exceeded", messages.Error.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, (await AccessCalls.ChatAsync(proxy, OtherKey)).Status);
    }

    [Fact]
    public async Task V1Usage_ReportsTheCallingKeysSpendAndRemainingOnly()
    {
        await using var proxy = await ProxyHost.StartOnDatabaseAsync(DatabasePath, Config);
        await AccessCalls.PostAsync(proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt));
        await AccessCalls.RecordsAsync(proxy, 1);

        var own = await AccessCalls.GetAsync(proxy, "/v1/usage");
        var other = await AccessCalls.GetAsync(proxy, "/v1/usage?key_id=cfg-test", OtherKey);

        Assert.Equal(HttpStatusCode.OK, own.Status);
        var usage = own.Json;
        Assert.Equal(("key.usage", "cfg-test", "test", "monthly"), (usage.GetProperty("object").GetString(), usage.GetProperty("key_id").GetString(),
            usage.GetProperty("key_name").GetString(), usage.GetProperty("budget_period").GetString()));
        Assert.Equal(FirstCostUsd, usage.GetProperty("spent_usd").GetDecimal());
        Assert.Equal(0.000001m, usage.GetProperty("budget_usd").GetDecimal());
        Assert.Equal(0m, usage.GetProperty("remaining_usd").GetDecimal()); // overspent by one request: none left, never negative
        Assert.Equal(0m, usage.GetProperty("reserved_usd").GetDecimal());
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            usage.GetProperty("resets_at").GetString());

        // Another key asking sees its own figures, whatever it puts in the query: one key's spend is not another's business.
        Assert.Equal(HttpStatusCode.OK, other.Status);
        Assert.Equal("cfg-other", other.Json.GetProperty("key_id").GetString());
        Assert.Equal(0m, other.Json.GetProperty("spent_usd").GetDecimal());
        Assert.Equal(JsonValueKind.Null, other.Json.GetProperty("budget_usd").ValueKind);
        Assert.DoesNotContain("cfg-test", other.Text);
    }

    [Fact]
    public async Task Restart_AfterTheLedgerHasWritten_TheBudgetIsStillSpent()
    {
        await using (var before = await ProxyHost.StartOnDatabaseAsync(DatabasePath, Config))
        {
            Assert.Equal(HttpStatusCode.OK, (await AccessCalls.PostAsync(before, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt))).Status);
            await AccessCalls.RecordsAsync(before, 1);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await AccessCalls.ChatAsync(before, ProxyHost.ClientKey)).Status);
            await AccessCalls.RecordsAsync(before, 2);
            // Both records (the served one and the refusal) are in the database before the proxy stops.
            await AccessCalls.WaitForLedgerAsync(before, 2);
        }

        await using var after = await ProxyHost.StartOnDatabaseAsync(DatabasePath, Config);
        var refused = await AccessCalls.PostAsync(after, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt));
        var usage = await AccessCalls.GetAsync(after, "/v1/usage");

        Assert.True(refused.Status == HttpStatusCode.TooManyRequests,
            $"a restart must not hand a spent budget back: the spend is restored from the ledger: {refused.Text}");
        Assert.Equal("budget_exceeded", refused.Error.GetProperty("code").GetString());
        Assert.Equal(FirstCostUsd, usage.Json.GetProperty("spent_usd").GetDecimal());
    }
}
