using System.Net;
using System.Net.Http.Headers;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>The master key guards every /admin path; without one configured the admin API does not exist at all.</summary>
public sealed class AdminAccessTests : IAsyncLifetime
{
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync();

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Theory]
    [InlineData("GET", "/admin/keys")]
    [InlineData("POST", "/admin/keys")]
    [InlineData("DELETE", "/admin/teams/team_1")]
    [InlineData("PUT", "/admin/audit")]
    [InlineData("GET", "/admin/no-such-route")]
    public async Task AdminPath_WithoutMasterKeyConfigured_Is404LikeAnUnknownRoute(string method, string path)
    {
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("m", """{ "type": "mock" }"""));
        using var client = new HttpClient { BaseAddress = proxy.Root };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminApi.MasterKey);

        var admin = await AdminApi.Answer.ReadAsync(await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)));
        var unknown = await AdminApi.Answer.ReadAsync(await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/nothing-here")));

        admin.AssertError(HttpStatusCode.NotFound, "unknown_route");
        Assert.Equal(unknown.Text.Replace("/nothing-here", path), admin.Text);
        Assert.Null(admin.ContentHeaders.Allow.FirstOrDefault());
    }

    [Theory]
    [InlineData("/admin/keys")]
    [InlineData("/admin/audit")]
    [InlineData("/admin/no-such-route")]
    public async Task AdminPath_WithoutKey_Is401MissingMasterKey(string path)
    {
        var answer = await AdminApi.Answer.ReadAsync(await _admin.Anonymous.GetAsync(path));

        answer.AssertError(HttpStatusCode.Unauthorized, "missing_master_key");
    }

    [Theory]
    [InlineData("Bearer mk-admin-test-012345678")]
    [InlineData("Bearer mk-admin-test-01234567890")]
    [InlineData("Bearer " + ProxyHost.ClientKey)]
    [InlineData("Basic " + AdminApi.MasterKey)]
    public async Task AdminPath_WithWrongKey_Is401AndDoesNotEchoIt(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/keys");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var answer = await AdminApi.Answer.ReadAsync(await _admin.Anonymous.SendAsync(request));

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Contains(answer.Error.GetProperty("code").GetString(), new[] { "invalid_master_key", "missing_master_key" });
        Assert.DoesNotContain(authorization[(authorization.IndexOf(' ') + 1)..], answer.Text);
    }

    [Fact]
    public async Task AdminPath_MasterKeyAsXApiKey_Is401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/keys");
        request.Headers.TryAddWithoutValidation("x-api-key", AdminApi.MasterKey);

        var answer = await AdminApi.Answer.ReadAsync(await _admin.Anonymous.SendAsync(request));

        answer.AssertError(HttpStatusCode.Unauthorized, "missing_master_key");
    }

    [Fact]
    public async Task V1Route_WithMasterKey_Is401BecauseTheMasterKeyIsNoClientKey()
    {
        var (status, code) = await _admin.ChatAsync(AdminApi.MasterKey);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_api_key", code);
    }

    [Theory]
    [InlineData("PUT", "/admin/keys", "GET, HEAD, POST, OPTIONS")]
    [InlineData("DELETE", "/admin/keys", "GET, HEAD, POST, OPTIONS")]
    [InlineData("POST", "/admin/keys/key_1", "GET, HEAD, PATCH, DELETE, OPTIONS")]
    [InlineData("GET", "/admin/keys/key_1/rotate", "POST, OPTIONS")]
    [InlineData("PATCH", "/admin/teams", "GET, HEAD, POST, OPTIONS")]
    [InlineData("PUT", "/admin/teams/team_1", "GET, HEAD, PATCH, DELETE, OPTIONS")]
    [InlineData("POST", "/admin/audit", "GET, HEAD, OPTIONS")]
    [InlineData("DELETE", "/admin/usage", "GET, HEAD, OPTIONS")]
    public async Task AdminRoute_WrongMethod_Is405WithAllow(string method, string path, string allow)
    {
        var answer = await _admin.SendAsync(new HttpMethod(method), path);

        answer.AssertError(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal(allow, string.Join(", ", answer.ContentHeaders.Allow));
    }

    [Fact]
    public async Task UnknownAdminPath_WithMasterKey_Is404UnknownRoute()
    {
        var answer = await _admin.GetAsync("/admin/nothing");

        answer.AssertError(HttpStatusCode.NotFound, "unknown_route");
    }

    [Fact]
    public async Task Body_Over64KiB_Is413()
    {
        var metadata = new string('x', 70 * 1024);

        var answer = await _admin.PostAsync("/admin/keys", $$$"""{"metadata":{"note":"{{{metadata}}}"}}""");

        answer.AssertError(HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        Assert.Equal(0, (await _admin.GetAsync("/admin/audit")).Json.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task AdminAnswer_IsJsonInOpenAIListShape()
    {
        var answer = await _admin.GetAsync("/admin/keys");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.StartsWith("application/json", answer.ContentType);
        Assert.Equal("list", answer.Json.GetProperty("object").GetString());
        Assert.False(answer.Json.GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task MasterKey_SentWithExtraSpacesOrLowercaseScheme_IsAccepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/keys");
        request.Headers.TryAddWithoutValidation("Authorization", $"bearer   {AdminApi.MasterKey} ");

        var response = await _admin.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
