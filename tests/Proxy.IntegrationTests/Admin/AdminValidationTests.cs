using System.Net;

namespace LlmProxy.IntegrationTests.Admin;

/// <summary>Bad admin input is a 400 naming the field (param) and the kind of fault (code), and nothing of it is applied.</summary>
public sealed class AdminValidationTests : IAsyncLifetime
{
    private AdminApi _admin = null!;

    public async Task InitializeAsync() => _admin = await AdminApi.StartAsync();

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Theory]
    [InlineData("not json", "invalid_json", null)]
    [InlineData("{\"name\":", "invalid_json", null)]
    [InlineData("[1]", "invalid_json", null)]
    [InlineData("\"x\"", "invalid_json", null)]
    [InlineData("""{"nme":"x"}""", "unknown_parameter", "nme")]
    [InlineData("""{"revoked":true}""", "unknown_parameter", "revoked")]
    [InlineData("""{"gracePeriodSeconds":1}""", "unknown_parameter", "gracePeriodSeconds")]
    [InlineData("""{"name":"a","name":"b"}""", "duplicate_parameter", "name")]
    [InlineData("""{"name":5}""", "invalid_type", "name")]
    [InlineData("""{"name":null}""", "invalid_type", "name")]
    [InlineData("""{"name":""}""", "invalid_value", "name")]
    [InlineData("""{"name":"a\nb"}""", "invalid_value", "name")]
    [InlineData("""{"name":"\ud800"}""", "invalid_value", "name")]
    [InlineData("""{"name":"test"}""", "name_taken", "name")]
    [InlineData("""{"team":"team_nope"}""", "team_not_found", "team")]
    [InlineData("""{"team":5}""", "invalid_type", "team")]
    [InlineData("""{"team":""}""", "invalid_value", "team")]
    [InlineData("""{"models":"echo"}""", "invalid_type", "models")]
    [InlineData("""{"models":[1]}""", "invalid_type", "models")]
    [InlineData("""{"models":null}""", "invalid_type", "models")]
    [InlineData("""{"models":["echo","nope"]}""", "invalid_value", "models")]
    [InlineData("""{"models":[]}""", "invalid_value", "models")]
    [InlineData("""{"rpm":0}""", "invalid_value", "rpm")]
    [InlineData("""{"rpm":-5}""", "invalid_value", "rpm")]
    [InlineData("""{"rpm":3000000000}""", "invalid_value", "rpm")]
    [InlineData("""{"tpm":1.5}""", "invalid_type", "tpm")]
    [InlineData("""{"maxParallel":"2"}""", "invalid_type", "maxParallel")]
    [InlineData("""{"maxParallel":true}""", "invalid_type", "maxParallel")]
    [InlineData("""{"budgetUsd":-1}""", "invalid_value", "budgetUsd")]
    [InlineData("""{"budgetUsd":0.0000001}""", "invalid_value", "budgetUsd")]
    [InlineData("""{"budgetUsd":1e40}""", "invalid_value", "budgetUsd")]
    [InlineData("""{"budgetUsd":"5"}""", "invalid_type", "budgetUsd")]
    [InlineData("""{"budgetPeriod":"yearly"}""", "invalid_value", "budgetPeriod")]
    [InlineData("""{"budgetPeriod":"Daily"}""", "invalid_value", "budgetPeriod")]
    [InlineData("""{"budgetPeriod":null}""", "invalid_type", "budgetPeriod")]
    [InlineData("""{"expiresAt":"2001-01-01T00:00:00Z"}""", "invalid_value", "expiresAt")]
    [InlineData("""{"expiresAt":"2099-01-01"}""", "invalid_value", "expiresAt")]
    [InlineData("""{"expiresAt":"2099-01-01T00:00:00"}""", "invalid_value", "expiresAt")]
    [InlineData("""{"expiresAt":"2099-02-30T00:00:00Z"}""", "invalid_value", "expiresAt")]
    [InlineData("""{"expiresAt":4102444800}""", "invalid_type", "expiresAt")]
    [InlineData("""{"metadata":[1]}""", "invalid_type", "metadata")]
    [InlineData("""{"metadata":"x"}""", "invalid_type", "metadata")]
    [InlineData("""{"metadata":{"a":1,"a":2}}""", "invalid_value", "metadata")]
    [InlineData("""{"name":"fine","rpm":10,"tpm":0}""", "invalid_value", "tpm")]
    public async Task CreateKey_BadBody_Is400NamingTheFieldAndMakesNothing(string body, string code, string? param)
    {
        var answer = await _admin.PostAsync("/admin/keys", body);

        answer.AssertError(HttpStatusCode.BadRequest, code, param);
        if (param is not null)
        {
            Assert.Contains(param, answer.Error.GetProperty("message").GetString());
        }
        await AssertNothingAppliedAsync();
    }

    [Fact]
    public async Task CreateKey_MetadataOver16KiB_Is400()
    {
        var answer = await _admin.PostAsync("/admin/keys", $$$"""{"metadata":{"note":"{{{new string('x', 17 * 1024)}}}"}}""");

        answer.AssertError(HttpStatusCode.BadRequest, "invalid_value", "metadata");
        await AssertNothingAppliedAsync();
    }

    [Fact]
    public async Task CreateKey_MetadataOfExactly16KiB_IsKeptAsSent()
    {
        const string Start = "{\"note\":\"";
        var metadata = Start + new string('y', 16 * 1024 - Start.Length - 2) + "\"}";

        var answer = await _admin.PostAsync("/admin/keys", $$"""{"metadata":{{metadata}}}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(metadata, answer.Json.GetProperty("metadata").GetRawText());
    }

    [Theory]
    [InlineData("""{"rpm":0}""", "invalid_value", "rpm")]
    [InlineData("""{"name":"test"}""", "name_taken", "name")]
    [InlineData("""{"name":"other"}""", "name_taken", "name")]
    [InlineData("""{"team":"team_nope"}""", "team_not_found", "team")]
    [InlineData("""{"revoked":"yes"}""", "invalid_type", "revoked")]
    [InlineData("""{"revoked":null}""", "invalid_type", "revoked")]
    [InlineData("""{"expiresAt":"2000-01-01T00:00:00Z"}""", "invalid_value", "expiresAt")]
    [InlineData("""{"rpm":5,"models":["nope"]}""", "invalid_value", "models")]
    [InlineData("""{"id":"key_x"}""", "unknown_parameter", "id")]
    [InlineData("""{"prefix":"sk-llmp-abcd"}""", "unknown_parameter", "prefix")]
    [InlineData("""{"metadata":{"ta\ud800gs":["a"]}}""", "invalid_value", "metadata")] // found by the admin-body fuzz target: was a 500
    [InlineData("""{"name":"   "}""", "invalid_value", "name")]
    [InlineData("""{"name":" x "}""", "invalid_value", "name")]
    public async Task PatchKey_BadBody_Is400AndTheKeyIsUnchanged(string body, string code, string param)
    {
        await _admin.CreateKeyAsync("""{"name":"other"}""");
        var (id, _) = await _admin.CreateKeyAsync("""{"name":"mine","rpm":3}""");
        var before = (await _admin.GetAsync($"/admin/keys/{id}")).Text;
        var entries = (await _admin.GetAsync("/admin/audit")).Json.GetProperty("data").GetArrayLength();

        var answer = await _admin.PatchAsync($"/admin/keys/{id}", body);

        answer.AssertError(HttpStatusCode.BadRequest, code, param);
        Assert.Equal(before, (await _admin.GetAsync($"/admin/keys/{id}")).Text);
        Assert.Equal(entries, (await _admin.GetAsync("/admin/audit")).Json.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"team":"team_1"}""", "unknown_parameter", "team")]
    [InlineData("""{"expiresAt":"2099-01-01T00:00:00Z"}""", "unknown_parameter", "expiresAt")]
    [InlineData("""{"revoked":true}""", "unknown_parameter", "revoked")]
    [InlineData("""{"name":7}""", "invalid_type", "name")]
    [InlineData("""{"rpm":0}""", "invalid_value", "rpm")]
    [InlineData("""{"models":["nope"]}""", "invalid_value", "models")]
    [InlineData("""{"budgetPeriod":"hourly"}""", "invalid_value", "budgetPeriod")]
    [InlineData("""{"metadata":1}""", "invalid_type", "metadata")]
    public async Task CreateTeam_BadBody_Is400NamingTheFieldAndMakesNothing(string body, string code, string param)
    {
        var answer = await _admin.PostAsync("/admin/teams", body);

        answer.AssertError(HttpStatusCode.BadRequest, code, param);
        Assert.Equal(0, (await _admin.GetAsync("/admin/teams")).Json.GetProperty("data").GetArrayLength());
        await AssertNothingAppliedAsync();
    }

    [Theory]
    [InlineData("""{"gracePeriodSeconds":-1}""", "invalid_value")]
    [InlineData("""{"gracePeriodSeconds":2592001}""", "invalid_value")]
    [InlineData("""{"gracePeriodSeconds":"60"}""", "invalid_type")]
    [InlineData("""{"gracePeriodSeconds":1.5}""", "invalid_type")]
    [InlineData("""{"gracePeriodSeconds":null}""", "invalid_type")]
    public async Task Rotate_BadGracePeriod_Is400AndTheSecretStays(string body, string code)
    {
        var (id, secret) = await _admin.CreateKeyAsync();

        var answer = await _admin.PostAsync($"/admin/keys/{id}/rotate", body);

        answer.AssertError(HttpStatusCode.BadRequest, code, "gracePeriodSeconds");
        Assert.Equal(HttpStatusCode.OK, (await _admin.ChatAsync(secret)).Status);
    }

    [Fact]
    public async Task Rotate_UnknownField_Is400()
    {
        var (id, _) = await _admin.CreateKeyAsync();

        var answer = await _admin.PostAsync($"/admin/keys/{id}/rotate", """{"grace":5}""");

        answer.AssertError(HttpStatusCode.BadRequest, "unknown_parameter", "grace");
    }

    [Fact]
    public async Task Body_NotUtf8_Is400InvalidJson()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/keys") { Content = new ByteArrayContent([(byte)'{', (byte)'"', 0xff, (byte)'"', (byte)':', (byte)'1', (byte)'}']) };

        var answer = await AdminApi.Answer.ReadAsync(await _admin.Client.SendAsync(request));

        answer.AssertError(HttpStatusCode.BadRequest, "invalid_json");
    }

    private async Task AssertNothingAppliedAsync()
    {
        var keys = (await _admin.GetAsync("/admin/keys")).Json.GetProperty("data");
        Assert.Equal([AdminApi.ConfigKeyId], keys.EnumerateArray().Select(k => k.GetProperty("id").GetString()));
        Assert.Equal(0, (await _admin.GetAsync("/admin/audit")).Json.GetProperty("data").GetArrayLength());
    }
}
