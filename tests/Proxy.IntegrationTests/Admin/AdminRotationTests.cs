using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>Rotation: a new secret at once; the old one for the grace period asked for (none by default), then never again.</summary>
public sealed class AdminRotationTests : IAsyncLifetime
{
    private readonly ShiftedTimeProvider _clock = new();
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync(services: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task Rotate_WithoutGrace_NewSecretWorksAndOldStopsAtOnce()
    {
        var (id, old) = await _admin.CreateKeyAsync("""{"name":"r"}""");

        var answer = await _admin.PostAsync($"/admin/keys/{id}/rotate");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var secret = answer.Json.GetProperty("key").GetString()!;
        Assert.NotEqual(old, secret);
        Assert.Equal(id, answer.Json.GetProperty("id").GetString());
        Assert.Equal(secret[..12], answer.Json.GetProperty("prefix").GetString());
        Assert.Equal("r", answer.Json.GetProperty("name").GetString());
        Assert.Equal((HttpStatusCode.OK, null), await _admin.ChatAsync(secret));
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_api_key"), await _admin.ChatAsync(old));
        Assert.Equal(secret[..12], (await _admin.GetAsync($"/admin/keys/{id}")).Json.GetProperty("prefix").GetString());
    }

    [Fact]
    public async Task Rotate_WithGrace_OldSecretWorksWithinItAndNotAfter()
    {
        var (id, old) = await _admin.CreateKeyAsync();

        var answer = await _admin.PostAsync($"/admin/keys/{id}/rotate", """{"gracePeriodSeconds":3600}""");
        var secret = answer.Json.GetProperty("key").GetString()!;

        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(old)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(secret)).Status);
        _clock.Offset = TimeSpan.FromMinutes(59);
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(old)).Status);
        _clock.Offset = TimeSpan.FromMinutes(61);
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_api_key"), await _admin.ChatAsync(old));
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(secret)).Status);
    }

    [Fact]
    public async Task Rotate_Twice_NeverLengthensTheFirstSecretsGrace()
    {
        var (id, first) = await _admin.CreateKeyAsync();
        var second = (await _admin.PostAsync($"/admin/keys/{id}/rotate", """{"gracePeriodSeconds":60}""")).Json.GetProperty("key").GetString()!;

        var third = (await _admin.PostAsync($"/admin/keys/{id}/rotate", """{"gracePeriodSeconds":2592000}""")).Json.GetProperty("key").GetString()!;
        _clock.Offset = TimeSpan.FromMinutes(2);

        Assert.Equal(HttpStatusCode.Unauthorized, (await _admin.ChatAsync(first)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(second)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(third)).Status);
    }

    [Fact]
    public async Task Rotate_ARevokedKey_Is400AndHandsOutNoSecret()
    {
        var (id, secret) = await _admin.CreateKeyAsync();
        await _admin.PatchAsync($"/admin/keys/{id}", """{"revoked":true}""");

        var rotation = await _admin.PostAsync($"/admin/keys/{id}/rotate");

        Assert.Equal(HttpStatusCode.BadRequest, rotation.Status);
        Assert.Equal(("invalid_value", "id"), (rotation.Json.GetProperty("error").GetProperty("code").GetString(), rotation.Json.GetProperty("error").GetProperty("param").GetString()));
        Assert.Contains("revoked", rotation.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal((HttpStatusCode.Unauthorized, "revoked_api_key"), await _admin.ChatAsync(secret));
    }

    [Fact]
    public async Task ExpiresAt_Reached_KeyIs401Expired()
    {
        var (_, secret) = await _admin.CreateKeyAsync($$"""{"expiresAt":"{{DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}""");
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(secret)).Status);

        _clock.Offset = TimeSpan.FromHours(2);

        Assert.Equal((HttpStatusCode.Unauthorized, "expired_api_key"), await _admin.ChatAsync(secret));
    }
}
