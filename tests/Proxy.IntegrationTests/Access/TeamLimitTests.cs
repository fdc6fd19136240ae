using System.Net;
using LlmProxy.IntegrationTests.Admin;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// Keys made through the admin API in a team: the team's limits count every member's requests together, a key's own
/// limits count its own, a request must pass both, and the refusal says which one stopped it.
/// </summary>
public sealed class TeamLimitTests : IAsyncLifetime
{
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync();

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    private ProxyHost Proxy => _admin.Proxy;

    [Fact]
    public async Task TeamRpm2_AcrossTwoKeys_ThirdRequestIs429NamingTheTeam()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"squad","rpm":2}""");
        var (_, alice) = await _admin.CreateKeyAsync($$"""{"name":"alice","team":"{{team}}"}""");
        var (_, bob) = await _admin.CreateKeyAsync($$"""{"name":"bob","team":"{{team}}"}""");

        var first = await AccessCalls.ChatAsync(Proxy, alice);
        var second = await AccessCalls.PostAsync(Proxy, AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "echo"), bob);
        var third = await AccessCalls.ChatAsync(Proxy, alice);
        var fourth = await AccessCalls.PostAsync(Proxy, AccessCalls.Messages, AccessCalls.Body(AccessCalls.Messages, "echo"), bob);
        var outsider = await AccessCalls.ChatAsync(Proxy, ProxyHost.ClientKey);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.True(second.Status == HttpStatusCode.OK, $"the team's second request, from its other key, is within rpm 2: {second.Text}");
        Assert.Equal("0", second.Header("x-ratelimit-remaining-requests"));
        Assert.True(third.Status == HttpStatusCode.TooManyRequests, $"the team's third request in a minute must be refused, whichever key sends it: {third.Text}");
        Assert.Equal("rate_limit_exceeded", third.Error.GetProperty("code").GetString());
        Assert.Contains("this key's team 'squad' allows 2 requests per minute", third.Error.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.Status);
        Assert.Contains("team 'squad'", fourth.Error.GetProperty("message").GetString());
        Assert.True(outsider.Status == HttpStatusCode.OK, $"a key outside the team is not counted with it: {outsider.Text}");
    }

    [Fact]
    public async Task KeyRpm1InTeamRpm10_KeysOwnLimitRefusesItsSecondAndNamesTheKey_OtherMembersGoOn()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"wide","rpm":10}""");
        var (_, tight) = await _admin.CreateKeyAsync($$"""{"name":"tight","team":"{{team}}","rpm":1}""");
        var (_, loose) = await _admin.CreateKeyAsync($$"""{"name":"loose","team":"{{team}}"}""");

        var first = await AccessCalls.ChatAsync(Proxy, tight);
        var second = await AccessCalls.ChatAsync(Proxy, tight);
        var member = await AccessCalls.ChatAsync(Proxy, loose);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        // The tighter of the two limits is the one the headers report: 1 per minute, none left.
        Assert.Equal(("1", "0"), (first.Header("x-ratelimit-limit-requests"), first.Header("x-ratelimit-remaining-requests")));
        Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
        Assert.Contains("this key allows 1 requests per minute", second.Error.GetProperty("message").GetString());
        Assert.True(member.Status == HttpStatusCode.OK, $"one key's own limit does not stop its teammates: {member.Text}");
        // The team counted the admitted two, not the refused one: 10 - 2 = 8 left.
        Assert.Equal(("10", "8"), (member.Header("x-ratelimit-limit-requests"), member.Header("x-ratelimit-remaining-requests")));
    }

    [Fact]
    public async Task TeamRpm_PatchedTighter_AppliesToItsKeysOnTheNextRequest()
    {
        var team = await _admin.CreateTeamAsync("""{"name":"later","rpm":100}""");
        var (_, secret) = await _admin.CreateKeyAsync($$"""{"team":"{{team}}"}""");
        Assert.Equal(HttpStatusCode.OK, (await AccessCalls.ChatAsync(Proxy, secret)).Status);

        await _admin.PatchAsync($"/admin/teams/{team}", """{"rpm":1}""");
        var refused = await AccessCalls.ChatAsync(Proxy, secret);

        Assert.True(refused.Status == HttpStatusCode.TooManyRequests, $"the request already made counts against the new limit of 1: {refused.Text}");
        Assert.Contains("team 'later'", refused.Error.GetProperty("message").GetString());
    }
}
