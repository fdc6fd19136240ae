using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using LlmProxy.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Storage;

/// <summary>
/// PostgreSQL going away under a running proxy (killed as a crash would, then restarted): requests keep being served
/// with the keys the proxy holds, admin writes answer 503 meanwhile, and the usage ledger keeps every record until it
/// can write them, so the table ends with one row per request made.
/// </summary>
public sealed class PostgresOutageTests
{
    private const string MasterKey = "master-outage-1";

    [Fact]
    public async Task Proxy_PostgresKilledAndRestartedMidRun_ServesEveryRequestAndLosesNoLedgerRecord()
    {
        using var server = PostgresServer.Start();
        var connectionString = server.CreateSchema();
        await using var proxy = await ProxyHost.StartAsync(MockOnPostgres.Config(connectionString + ";Timeout=3", $"\"admin\": {{ \"masterKey\": \"{MasterKey}\" }},"));
        var ledger = proxy.Services.GetRequiredService<UsageLedger>();

        await ChatAsync(proxy, 40);
        server.Stop();
        await ChatAsync(proxy, 60);
        var refused = await CreateKeyAsync(proxy);
        server.Restart();
        await ChatAsync(proxy, 40);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("storage_unavailable", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);
        await Eventually.HoldsAsync(() => ledger.Written >= 140, TimeSpan.FromSeconds(30));
        Assert.Equal((140L, 0L, 0L), (ledger.Written, ledger.Dropped, ledger.Lost));
        Assert.Equal(140L, server.Execute("SELECT count(*) FROM usage WHERE key_name = 'test'", connectionString));
        Assert.Equal(HttpStatusCode.OK, (await CreateKeyAsync(proxy)).StatusCode);
    }

    [Fact]
    public async Task Stop_WhilePostgresIsDown_CountsTheUnwrittenRecordsAsLostAndDoesNotHang()
    {
        using var server = PostgresServer.Start();
        var connectionString = server.CreateSchema();
        var proxy = await ProxyHost.StartAsync(MockOnPostgres.Config(connectionString + ";Timeout=2"));
        var ledger = proxy.Services.GetRequiredService<UsageLedger>();
        server.Stop();
        await ChatAsync(proxy, 25);

        await proxy.DisposeAsync(); // the host's stop: the ledger gives up on the unreachable database at once

        Assert.Equal((0L, 25L), (ledger.Written, ledger.Lost + ledger.Dropped));
    }

    [Fact]
    public async Task ResponsesNotStored_PostgresDownBeforeTheFirstOne_IsServed()
    {
        using var server = PostgresServer.Start();
        var connectionString = server.CreateSchema();
        await using var proxy = await ProxyHost.StartAsync(MockOnPostgres.Config(connectionString + ";Timeout=2"));
        server.Stop();

        // A translated Responses request needs the reasoning seal, kept in the database: it was loaded at start-up.
        using var answer = await proxy.Client.PostAsync("/v1/responses",
            new StringContent("""{"model":"echo","input":"hi","store":false}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("\"status\":\"completed\"", await answer.Content.ReadAsStringAsync());
    }

    private static async Task ChatAsync(ProxyHost proxy, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var answer = await proxy.Client.PostAsync("/v1/chat/completions",
                new StringContent("""{"model":"echo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
    }

    private static Task<HttpResponseMessage> CreateKeyAsync(ProxyHost proxy)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/keys") { Content = new StringContent("""{"name":"during-outage"}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", MasterKey);
        return proxy.Client.SendAsync(request);
    }
}
