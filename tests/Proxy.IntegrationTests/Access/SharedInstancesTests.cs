using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// Two proxy instances on one PostgreSQL and one Redis, as a scaled-out deployment runs them: a key made or revoked
/// through one is honoured by the other within a second, a key's rate limit is counted once for both, not per
/// instance, and a stored response made on one is read, continued and deleted on the other.
/// </summary>
public sealed class SharedInstancesTests : IAsyncLifetime
{
    private const string MasterKey = SharedPair.MasterKey;
    private const string LimitedKey = SharedPair.LimitedKey;

    private SharedPair _pair = null!;
    private ProxyHost _a = null!;
    private ProxyHost _b = null!;

    public async Task InitializeAsync()
    {
        _pair = await SharedPair.StartAsync();
        (_a, _b) = (_pair.A, _pair.B);
    }

    public async Task DisposeAsync() => await _pair.DisposeAsync();

    [Fact]
    public async Task StoredKey_CreatedOnARevokedOnA_ServesOnBThenIsRefusedOnBWithinASecond()
    {
        var created = await AdminAsync(_a, HttpMethod.Post, "/admin/keys", """{"name":"made-on-a"}""");
        var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var (id, secret) = (json.GetProperty("id").GetString()!, json.GetProperty("key").GetString()!);

        var servedAfter = await Eventually.HoldsAsync(async () => (await ChatAsync(_b, secret)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await AdminAsync(_a, HttpMethod.Patch, $"/admin/keys/{id}", """{"revoked":true}""")).StatusCode);
        var refusedAfter = await Eventually.HoldsAsync(async () => (await ChatAsync(_b, secret)).StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1));

        Assert.True(servedAfter, "a key created on A must serve on B within a second");
        Assert.True(refusedAfter, "a key revoked on A must be refused on B within a second");
    }

    [Fact]
    public async Task LimitedKey_Rpm60HammeredThroughBoth_60SucceedNot120AndThe429sSayWhy()
    {
        await SharedRateLimit.AssertRpm60HeldOnceAsync(150, i => ChatAsync(i % 2 == 0 ? _a : _b, LimitedKey));

        Assert.Contains("\"shared\"", await _a.Client.GetStringAsync("/health"));
    }

    [Fact]
    public async Task StoredResponse_CreatedOnA_IsReadContinuedAndDeletedOnB()
    {
        var created = await PostJsonAsync(_a, "/v1/responses", """{"model":"echo","input":"remember the word teal"}""");
        var id = created.GetProperty("id").GetString()!;

        var read = await _b.Client.GetAsync($"/v1/responses/{id}");
        var continued = await PostJsonAsync(_b, "/v1/responses", $$"""{"model":"echo","input":"which word?","previous_response_id":"{{id}}"}""");
        var deleted = await _b.Client.DeleteAsync($"/v1/responses/{id}");
        var afterDelete = await _a.Client.GetAsync($"/v1/responses/{id}");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(id, JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString());
        Assert.Equal(id, continued.GetProperty("previous_response_id").GetString());
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterDelete.StatusCode);
    }

    private static async Task<JsonElement> PostJsonAsync(ProxyHost proxy, string path, string body)
    {
        var answer = await proxy.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task BudgetKey_SpentThroughBoth_OneBudgetNotOnePerInstance_AndBothReportTheSameSpend()
    {
        // 40 words reserve about 30 tokens and cost 41 (0.000041 USD): 0.0002 USD serves 5 (the fifth's reservation
        // still fits), then refuses. Budgets per instance would serve 5 on each.
        var body = AccessCalls.Body(AccessCalls.Chat, "priced", string.Join(' ', Enumerable.Repeat("a", 40)), maxTokens: 1);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            answers.Add((await AccessCalls.PostAsync(i % 2 == 0 ? _a : _b, AccessCalls.Chat, body, SharedPair.BudgetKey)).Status);
        }

        Assert.Equal(5, answers.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(7, answers.Skip(5).Count(status => status == HttpStatusCode.TooManyRequests));
        await Eventually.HoldsAsync(async () => await SpentAsync(_a) == 0.000205m && await SpentAsync(_b) == 0.000205m, TimeSpan.FromSeconds(2));
        Assert.Equal((0.000205m, 0.000205m), (await SpentAsync(_a), await SpentAsync(_b)));
    }

    [Fact]
    public async Task BudgetKey_SpentOnAThenRedisLost_BCountsWhatASpentFromTheLedger()
    {
        // As above: 0.000041 USD a request, 0.0002 USD of budget. A spends 4 with Redis up; B has never seen the key.
        var body = AccessCalls.Body(AccessCalls.Chat, "priced", string.Join(' ', Enumerable.Repeat("a", 40)), maxTokens: 1);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await AccessCalls.PostAsync(_a, AccessCalls.Chat, body, SharedPair.BudgetKey)).Status);
        }
        Assert.True(await Eventually.HoldsAsync(() => (long)PostgresServer.Shared.Execute(
            "SELECT count(*) FROM usage WHERE key_name = 'budget'", _pair.ConnectionString)! == 4), "A's records reach the ledger");

        _pair.Redis.Stop();
        var seen = await Eventually.HoldsAsync(async () => await SpentAsync(_b) == 0.000164m);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add((await AccessCalls.PostAsync(_b, AccessCalls.Chat, body, SharedPair.BudgetKey)).Status);
        }

        Assert.True(seen, "with Redis away, B reads what A spent from the ledger");
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], answers); // not 4 more
    }

    private static async Task<decimal> SpentAsync(ProxyHost proxy) =>
        (await AccessCalls.GetAsync(proxy, "/v1/usage", SharedPair.BudgetKey)).Json.GetProperty("spent_usd").GetDecimal();

    private static async Task<HttpResponseMessage> ChatAsync(ProxyHost proxy, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"echo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key);
        return await proxy.Client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> AdminAsync(ProxyHost proxy, HttpMethod method, string path, string body)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", MasterKey);
        var answer = await proxy.Client.SendAsync(request);
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        return answer;
    }
}
