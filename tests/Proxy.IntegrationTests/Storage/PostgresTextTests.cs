using System.Net;
using System.Text;
using LlmProxy.Testing;
using LlmProxy.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Storage;

/// <summary>
/// Text a client controls, with a U+0000 in it, on PostgreSQL, whose <c>text</c> cannot hold one: found by a tester, one
/// request with a NUL in its model name made the ledger lose its whole batch of other keys' records. Now it is stored as
/// U+FFFD and nothing else is touched; looked up, it is an id that matches nothing.
/// </summary>
public sealed class PostgresTextTests
{
    [Fact]
    public async Task Ledger_RequestWithANulInItsModel_EveryRecordWrittenItsModelWithTheReplacementCharacter()
    {
        var connectionString = PostgresServer.Shared.CreateSchema();
        await using var proxy = await ProxyHost.StartAsync(MockOnPostgres.Config(connectionString));
        var ledger = proxy.Services.GetRequiredService<UsageLedger>();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(proxy, "echo"));
        }
        Assert.Equal(HttpStatusCode.BadRequest, await ChatAsync(proxy, "x\\u0000y")); // model_not_found, and recorded
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(proxy, "echo"));
        }
        await Eventually.HoldsAsync(() => ledger.Written + ledger.Lost >= 21);

        Assert.Equal((21L, 0L), (ledger.Written, ledger.Lost));
        Assert.Equal(1L, PostgresServer.Shared.Execute("SELECT count(*) FROM usage WHERE model = 'x' || chr(65533) || 'y'", connectionString));
    }

    [Theory]
    [InlineData("GET", "/v1/responses/resp_a%00b")]
    [InlineData("GET", "/v1/responses/resp_a%00b/input_items")]
    [InlineData("DELETE", "/v1/responses/resp_a%00b")]
    [InlineData("POST", "/v1/responses/resp_a%00b/cancel")]
    public async Task StoredResponses_IdWithANul_IsAClientErrorNotAServerError(string method, string path)
    {
        await using var proxy = await ProxyHost.StartAsync(MockOnPostgres.Config(PostgresServer.Shared.CreateSchema()));

        using var answer = await proxy.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.InRange((int)answer.StatusCode, 400, 499);
    }

    [Fact]
    public async Task Responses_PreviousResponseIdWithANul_IsAClientErrorNotAServerError()
    {
        await using var proxy = await ProxyHost.StartAsync(MockOnPostgres.Config(PostgresServer.Shared.CreateSchema()));

        using var answer = await proxy.Client.PostAsync("/v1/responses",
            new StringContent("""{"model":"echo","input":"hi","previous_response_id":"resp_a\u0000b"}""", Encoding.UTF8, "application/json"));

        Assert.InRange((int)answer.StatusCode, 400, 499);
    }

    private static async Task<HttpStatusCode> ChatAsync(ProxyHost proxy, string model)
    {
        using var answer = await proxy.Client.PostAsync("/v1/chat/completions",
            new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        return answer.StatusCode;
    }
}
