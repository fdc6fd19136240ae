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

    // The same price, for a proxy whose keys the admin API makes.
    private static readonly string PricedAdminConfig = $$"""
        {
          "admin": { "masterKey": "{{AdminApi.MasterKey}}" },
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo", "price": { "inputPerMTok": 1, "outputPerMTok": 2 } } ] },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
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

    [Fact]
    public async Task InFlightRequests_ReserveAgainstTheBudget_AndAreChargedWhatTheyUsedWhenTheyEnd()
    {
        await using var upstream = await HeldUpstream.StartAsync();
        // Each request reserves its ~3 input tokens and the default 4,096 output tokens at 1 and 2 USD per million:
        // 0.008195 USD. Two such fit under 0.01 USD one after the other (the second starts with 0.008195 in flight); a third cannot.
        await using var proxy = await ProxyHost.StartOnDatabaseAsync(DatabasePath, $$"""
            {
              "providers": { "held": {{ProxyHost.OpenAIProvider(upstream.Fake)}} },
              "models": { "held": [ { "provider": "held", "model": "gpt-4o-mini", "price": { "inputPerMTok": 1, "outputPerMTok": 2 } } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "budgetUsd": 0.01, "budgetPeriod": "monthly" } ]
            }
            """);
        using var firstRequest = AccessCalls.Request(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held"));
        using var secondRequest = AccessCalls.Request(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held"));
        var first = proxy.Client.SendAsync(firstRequest);
        await upstream.ArrivedAsync(1);
        var second = proxy.Client.SendAsync(secondRequest);
        await upstream.ArrivedAsync(2);

        var during = await AccessCalls.GetAsync(proxy, "/v1/usage");
        var third = await AccessCalls.PostAsync(proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held"));
        upstream.Open();
        using (var firstAnswer = await first)
        using (var secondAnswer = await second)
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (firstAnswer.StatusCode, secondAnswer.StatusCode));
        }
        await AccessCalls.RecordsAsync(proxy, 3);
        var after = await AccessCalls.GetAsync(proxy, "/v1/usage");

        Assert.Equal(2 * 0.008195m, during.Json.GetProperty("reserved_usd").GetDecimal());
        Assert.Equal(0m, during.Json.GetProperty("remaining_usd").GetDecimal());
        Assert.True(third.Status == HttpStatusCode.TooManyRequests,
            $"requests in flight hold their reserved cost: a burst must not spend past the budget before any of it is charged: {third.Text}");
        Assert.Equal("budget_exceeded", third.Error.GetProperty("code").GetString());
        Assert.Contains("0.01639 USD is reserved by requests in flight", third.Error.GetProperty("message").GetString());
        // Each used what the fake reports, 16 uncached and 3 cached input tokens (cache reads at the input price by
        // default) and 10 output: 39 micro-USD, charged in place of its reservation.
        Assert.Equal(0m, after.Json.GetProperty("reserved_usd").GetDecimal());
        Assert.Equal(2 * 0.000039m, after.Json.GetProperty("spent_usd").GetDecimal());
        Assert.Equal(0.01m - 2 * 0.000039m, after.Json.GetProperty("remaining_usd").GetDecimal());
    }

    [Fact(Skip = "bug: a budget set (or a budgetPeriod changed) by PATCH starts from 0 spent until the next restart, which restores the " +
        "period's spend from the ledger; LocalRequestLimiter keeps no spend for a key without limits, and LimitCounters.RollPeriod zeroes it " +
        "when the period kind changes; nothing re-reads the ledger on an admin change")]
    public async Task BudgetSetByAdmin_OnAKeyThatHasAlreadySpentThisPeriod_CountsWhatItSpent()
    {
        string secret;
        await using (var admin = await AdminApi.StartAsync(PricedAdminConfig))
        {
            var (id, created) = await admin.CreateKeyAsync("""{"name":"late-budget"}""");
            secret = created;
            Assert.Equal(HttpStatusCode.OK, (await AccessCalls.PostAsync(admin.Proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt), secret)).Status);
            await AccessCalls.RecordsAsync(admin.Proxy, 1);
            await AccessCalls.WaitForLedgerAsync(admin.Proxy, 1);
            var spentBefore = (await AccessCalls.GetAsync(admin.Proxy, "/v1/usage", secret)).Json.GetProperty("spent_usd").GetDecimal();

            // The key has spent 6 micro-USD this month; it is given a budget of 1 micro-USD a month.
            var patched = await admin.PatchAsync($"/admin/keys/{id}", """{"budgetUsd":0.000001,"budgetPeriod":"monthly"}""");
            var usage = await AccessCalls.GetAsync(admin.Proxy, "/v1/usage", secret);
            var next = await AccessCalls.PostAsync(admin.Proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt), secret);

            Assert.Equal(HttpStatusCode.OK, patched.Status);
            Assert.Equal(FirstCostUsd, spentBefore);
            // A restart counts this month's spend from the ledger (see Restart_AfterTheLedgerHasWritten_TheBudgetIsStillSpent);
            // without one the same key must not be treated as having spent nothing.
            Assert.True(FirstCostUsd == usage.Json.GetProperty("spent_usd").GetDecimal(),
                $"/v1/usage said {spentBefore} USD spent this month before the budget was set, and now says: {usage.Text}");
            Assert.True(next.Status == HttpStatusCode.TooManyRequests,
                $"the key spent 6x its new monthly budget this month; serving it anyway depends on whether the proxy restarted since: {next.Text}");
        }
    }
}
