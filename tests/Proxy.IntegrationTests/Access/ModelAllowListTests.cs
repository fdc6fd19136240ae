using System.Net;
using LlmProxy.IntegrationTests.Admin;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// A model a key (or its team) may not use is a 403 in the client's own error shape, saying whose list keeps it out,
/// before any provider is called; the models it may use still answer.
/// </summary>
public sealed class ModelAllowListTests : IAsyncLifetime
{
    private const string OnlyEchoKey = "sk-test-only-echo";
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync($$"""
        {
          "admin": { "masterKey": "{{AdminApi.MasterKey}}" },
          "providers": { "local": { "type": "mock" } },
          "models": { "echo": [ { "provider": "local", "model": "echo" } ], "echo-2": [ { "provider": "local", "model": "echo" } ] },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" }, { "key": "{{OnlyEchoKey}}", "name": "only-echo", "models": ["echo"] } ]
        }
        """);

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    private ProxyHost Proxy => _admin.Proxy;

    [Theory]
    [MemberData(nameof(AccessCalls.Paths), MemberType = typeof(AccessCalls))]
    public async Task KeyModels_ExcludeTheAlias_Is403InTheDialectsShape(string path)
    {
        var refused = await AccessCalls.PostAsync(Proxy, path, AccessCalls.Body(path, "echo-2"), OnlyEchoKey);
        var allowed = await AccessCalls.PostAsync(Proxy, path, AccessCalls.Body(path, "echo"), OnlyEchoKey);

        AssertForbidden(path, refused, "This key may not use the model 'echo-2'");
        Assert.True(allowed.Status == HttpStatusCode.OK, $"the key's own models still answer: {allowed.Text}");
    }

    [Theory]
    [MemberData(nameof(AccessCalls.Paths), MemberType = typeof(AccessCalls))]
    public async Task TeamModels_ExcludeTheAlias_Is403NamingTheTeam(string path)
    {
        var team = await _admin.CreateTeamAsync("""{"name":"research","models":["echo"]}""");
        // The key itself may use every model: only its team keeps echo-2 out.
        var (_, secret) = await _admin.CreateKeyAsync($$"""{"name":"member","team":"{{team}}","models":["*"]}""");

        var refused = await AccessCalls.PostAsync(Proxy, path, AccessCalls.Body(path, "echo-2"), secret);
        var allowed = await AccessCalls.PostAsync(Proxy, path, AccessCalls.Body(path, "echo"), secret);

        AssertForbidden(path, refused, "team 'research' may not use the model 'echo-2'");
        Assert.True(allowed.Status == HttpStatusCode.OK, $"the team's models still answer: {allowed.Text}");
    }

    [Fact]
    public async Task TeamModels_PatchedToAllowTheAlias_AnswerOnTheNextRequest()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"ops","models":["echo"]}""");
        var (_, secret) = await _admin.CreateKeyAsync($$"""{"team":"{{team}}"}""");
        Assert.Equal((HttpStatusCode.Forbidden, "model_not_allowed"), await _admin.ChatAsync(secret, "echo-2"));

        await _admin.PatchAsync($"/admin/teams/{team}", """{"models":["echo","echo-2"]}""");

        Assert.Equal((HttpStatusCode.OK, null), await _admin.ChatAsync(secret, "echo-2"));
    }

    private static void AssertForbidden(string path, AdminApi.Answer answer, string says)
    {
        Assert.True(answer.Status == HttpStatusCode.Forbidden, $"a model outside the allow-list is 403, not served: {(int)answer.Status} {answer.Text}");
        if (path == AccessCalls.Messages)
        {
            Assert.Equal("error", answer.Json.GetProperty("type").GetString());
            Assert.Equal("permission_error", answer.Error.GetProperty("type").GetString());
        }
        else
        {
            answer.AssertError(HttpStatusCode.Forbidden, "model_not_allowed", "model");
            Assert.Equal("permission_error", answer.Error.GetProperty("type").GetString());
        }
        Assert.Contains(says, answer.Error.GetProperty("message").GetString());
    }
}
