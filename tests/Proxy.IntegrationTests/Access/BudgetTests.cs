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

    // The mock's usage is words in and words out, while a request reserves its input estimated at about 4 characters a
    // token: 40 one-letter words with max_tokens 1 reserve 22 + 1 tokens (87 characters with "echo" and "user") and
    // use 40 + 1. At 1 USD per million tokens either way, the first request reserves 23 micro-USD, which fits the key's
    // 30, and costs 41, which spends it: whether a budget refuses once spent or also refuses a reservation that does
    // not fit what is left, the first is served and the next is not.
    private static readonly string Prompt = string.Join(' ', Enumerable.Repeat("a", 40));
    private const decimal FirstCostUsd = 0.000041m;

    private static readonly string Config = $$"""
        {
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo", "price": { "inputPerMTok": 1, "outputPerMTok": 1 } } ] },
          "keys": [
            { "key": "{{ProxyHost.ClientKey}}", "name": "test", "budgetUsd": 0.00003, "budgetPeriod": "monthly" },
            { "key": "{{OtherKey}}", "name": "other" }
          ]
        }
        """;

    // The same price, for a proxy whose keys the admin API makes.
    private static readonly string PricedAdminConfig = $$"""
        {
          "admin": { "masterKey": "{{AdminApi.MasterKey}}" },
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo", "price": { "inputPerMTok": 1, "outputPerMTok": 1 } } ] },
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

        var first = await AccessCalls.PostAsync(proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt, maxTokens: 1));
        await AccessCalls.RecordsAsync(proxy, 1); // charged when the request is closed, just after its last byte
        var second = await AccessCalls.PostAsync(proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt, maxTokens: 1));
        var messages = await AccessCalls.PostAsync(proxy, AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "echo", Prompt, maxTokens: 1));

        Assert.True(first.Status == HttpStatusCode.OK, $"a key within its budget is served: {first.Text}");
        Assert.True(second.Status == HttpStatusCode.TooManyRequests, $"a key whose budget is spent must be refused: {second.Text}");
        Assert.Equal("budget_exceeded", second.Error.GetProperty("code").GetString());
        var message = second.Error.GetProperty("message").GetString()!;
        Assert.Contains($"It resets at {reset:yyyy-MM-ddTHH:mm:ssZ}", message);
        Assert.Contains("has spent 0.000041 USD", message);
        Assert.Contains("monthly budget of 0.00003 USD", message);
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
        await AccessCalls.PostAsync(proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt, maxTokens: 1));
        await AccessCalls.RecordsAsync(proxy, 1);

        var own = await AccessCalls.GetAsync(proxy, "/v1/usage");
        var other = await AccessCalls.GetAsync(proxy, "/v1/usage?key_id=cfg-test", OtherKey);

        Assert.Equal(HttpStatusCode.OK, own.Status);
        var usage = own.Json;
        Assert.Equal(("key.usage", "cfg-test", "test", "monthly"), (usage.GetProperty("object").GetString(), usage.GetProperty("key_id").GetString(),
            usage.GetProperty("key_name").GetString(), usage.GetProperty("budget_period").GetString()));
        Assert.Equal(FirstCostUsd, usage.GetProperty("spent_usd").GetDecimal());
        Assert.Equal(0.00003m, usage.GetProperty("budget_usd").GetDecimal());
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
            Assert.Equal(HttpStatusCode.OK, (await AccessCalls.PostAsync(before, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt, maxTokens: 1))).Status);
            await AccessCalls.RecordsAsync(before, 1);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await AccessCalls.ChatAsync(before, ProxyHost.ClientKey)).Status);
            await AccessCalls.RecordsAsync(before, 2);
            // Both records (the served one and the refusal) are in the database before the proxy stops.
            await AccessCalls.WaitForLedgerAsync(before, 2);
        }

        await using var after = await ProxyHost.StartOnDatabaseAsync(DatabasePath, Config);
        var refused = await AccessCalls.PostAsync(after, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt, maxTokens: 1));
        var usage = await AccessCalls.GetAsync(after, "/v1/usage");

        Assert.True(refused.Status == HttpStatusCode.TooManyRequests,
            $"a restart must not hand a spent budget back: the spend is restored from the ledger: {refused.Text}");
        Assert.Equal("budget_exceeded", refused.Error.GetProperty("code").GetString());
        Assert.Equal(FirstCostUsd, usage.Json.GetProperty("spent_usd").GetDecimal());
    }

    [Fact]
    public async Task InFlightRequest_HoldsItsReservedCost_AndIsChargedWhatItUsedWhenItEnds()
    {
        await using var upstream = await HeldUpstream.StartAsync();
        // A request reserves its 3 input tokens (estimated) at 1 USD and its 100 output tokens at 2 USD per million:
        // 203 micro-USD, the whole budget.
        await using var proxy = await ProxyHost.StartOnDatabaseAsync(DatabasePath, $$"""
            {
              "providers": { "held": {{ProxyHost.OpenAIProvider(upstream.Fake)}} },
              "models": { "held": [ { "provider": "held", "model": "gpt-4o-mini", "price": { "inputPerMTok": 1, "outputPerMTok": 2 } } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "budgetUsd": 0.000203, "budgetPeriod": "monthly" } ]
            }
            """);
        using var firstRequest = AccessCalls.Request(AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held", maxTokens: 100));
        var first = proxy.Client.SendAsync(firstRequest);
        await upstream.ArrivedAsync(1);

        var during = await AccessCalls.GetAsync(proxy, "/v1/usage");
        var second = await AccessCalls.PostAsync(proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "held", maxTokens: 100));
        upstream.Open();
        using (var firstAnswer = await first)
        {
            Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        }
        await AccessCalls.RecordsAsync(proxy, 2);
        var after = await AccessCalls.GetAsync(proxy, "/v1/usage");

        Assert.Equal(0.000203m, during.Json.GetProperty("reserved_usd").GetDecimal());
        Assert.Equal(0m, during.Json.GetProperty("remaining_usd").GetDecimal());
        Assert.True(second.Status == HttpStatusCode.TooManyRequests,
            $"a request in flight holds its reserved cost: a burst must not spend past the budget before any of it is charged: {second.Text}");
        Assert.Equal("budget_exceeded", second.Error.GetProperty("code").GetString());
        Assert.Contains("0.000203 USD is reserved by requests in flight", second.Error.GetProperty("message").GetString());
        Assert.Single(upstream.Fake.Requests);
        // It used what the fake reports, 16 uncached and 3 cached input tokens (cache reads at the input price by
        // default) and 10 output: 39 micro-USD, charged in place of its reservation.
        Assert.Equal(0m, after.Json.GetProperty("reserved_usd").GetDecimal());
        Assert.Equal(0.000039m, after.Json.GetProperty("spent_usd").GetDecimal());
        Assert.Equal(0.000203m - 0.000039m, after.Json.GetProperty("remaining_usd").GetDecimal());
    }

    [Fact]
    public async Task BudgetSetByAdmin_OnAKeyThatHasAlreadySpentThisPeriod_CountsWhatItSpent()
    {
        string secret;
        await using (var admin = await AdminApi.StartAsync(PricedAdminConfig))
        {
            var (id, created) = await admin.CreateKeyAsync("""{"name":"late-budget"}""");
            secret = created;
            Assert.Equal(HttpStatusCode.OK, (await AccessCalls.PostAsync(admin.Proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt, maxTokens: 1), secret)).Status);
            await AccessCalls.RecordsAsync(admin.Proxy, 1);
            await AccessCalls.WaitForLedgerAsync(admin.Proxy, 1);
            var spentBefore = (await AccessCalls.GetAsync(admin.Proxy, "/v1/usage", secret)).Json.GetProperty("spent_usd").GetDecimal();

            // The key has spent 41 micro-USD this month; it is given a budget of 1 micro-USD a month.
            var patched = await admin.PatchAsync($"/admin/keys/{id}", """{"budgetUsd":0.000001,"budgetPeriod":"monthly"}""");
            var usage = await AccessCalls.GetAsync(admin.Proxy, "/v1/usage", secret);
            var next = await AccessCalls.PostAsync(admin.Proxy, AccessCalls.Chat, AccessCalls.Body(AccessCalls.Chat, "echo", Prompt, maxTokens: 1), secret);

            Assert.Equal(HttpStatusCode.OK, patched.Status);
            Assert.Equal(FirstCostUsd, spentBefore);
            // A restart counts this month's spend from the ledger (see Restart_AfterTheLedgerHasWritten_TheBudgetIsStillSpent);
            // without one the same key must not be treated as having spent nothing.
            Assert.True(FirstCostUsd == usage.Json.GetProperty("spent_usd").GetDecimal(),
                $"/v1/usage said {spentBefore} USD spent this month before the budget was set, and now says: {usage.Text}");
            Assert.True(next.Status == HttpStatusCode.TooManyRequests,
                $"the key spent 41x its new monthly budget this month; serving it anyway depends on whether the proxy restarted since: {next.Text}");
        }
    }
}
