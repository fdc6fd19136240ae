using System.Globalization;
using System.Net;
using LlmProxy.IntegrationTests.Admin;
using LlmProxy.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// A stored key stops working the moment it is revoked or its expiry passes, and its holder is told which (401 with
/// its own code, in the client's dialect), so they know to ask for a new key rather than to check what they typed.
/// </summary>
public sealed class KeyLifecycleTests : IAsyncLifetime
{
    private readonly ShiftedTimeProvider _clock = new();
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync(services: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    private ProxyHost Proxy => _admin.Proxy;

    [Theory]
    [MemberData(nameof(AccessCalls.Paths), MemberType = typeof(AccessCalls))]
    public async Task Revoked_NextRequestIs401RevokedApiKeyInTheDialectsShape(string path)
    {
        var (id, secret) = await _admin.CreateKeyAsync("""{"name":"soon-revoked"}""");
        var before = await AccessCalls.PostAsync(Proxy, path, AccessCalls.Body(path, "echo"), secret);

        await _admin.PatchAsync($"/admin/keys/{id}", """{"revoked":true}""");
        var after = await AccessCalls.PostAsync(Proxy, path, AccessCalls.Body(path, "echo"), secret);

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.True(after.Status == HttpStatusCode.Unauthorized, $"a revoked key must stop at once: {after.Text}");
        AssertUnauthorized(path, after, "revoked_api_key", "revoked");
    }

    [Theory]
    [MemberData(nameof(AccessCalls.Paths), MemberType = typeof(AccessCalls))]
    public async Task ExpiresAtPassed_NextRequestIs401ExpiredApiKeyNamingWhen(string path)
    {
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(_clock.GetUtcNow().ToUnixTimeSeconds() + 5);
        var expiry = expiresAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var (_, secret) = await _admin.CreateKeyAsync($$"""{"name":"short-lived","expiresAt":"{{expiry}}"}""");
        var before = await AccessCalls.PostAsync(Proxy, path, AccessCalls.Body(path, "echo"), secret);

        _clock.Offset = TimeSpan.FromSeconds(10); // past the expiry, without waiting for it
        var after = await AccessCalls.PostAsync(Proxy, path, AccessCalls.Body(path, "echo"), secret);

        Assert.True(before.Status == HttpStatusCode.OK, $"a key is good until its expiry: {before.Text}");
        Assert.True(after.Status == HttpStatusCode.Unauthorized, $"an expired key must stop: {after.Text}");
        AssertUnauthorized(path, after, "expired_api_key", $"expired at {expiry}");
    }

    private static void AssertUnauthorized(string path, AdminApi.Answer answer, string code, string says)
    {
        if (path == AccessCalls.Messages)
        {
            Assert.Equal("error", answer.Json.GetProperty("type").GetString());
            Assert.Equal("authentication_error", answer.Error.GetProperty("type").GetString());
        }
        else
        {
            Assert.Equal(code, answer.Error.GetProperty("code").GetString());
        }
        Assert.Contains(says, answer.Error.GetProperty("message").GetString());
    }
}
