using System.Text.Json;
using LlmProxy.Admin;
using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Providers;
using LlmProxy.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Tests.Admin;

public sealed class AccessFieldsReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ModelCatalog Catalog = BuildCatalog();

    [Fact]
    public void Read_AbsentFields_AreNotPresent()
    {
        var fields = Read("""{"rpm":5}""", AccessFieldsReader.KeyUpdate);

        Assert.Equal(FieldChange<int?>.Set(5), fields.Rpm);
        Assert.False(fields.Tpm.Present);
        Assert.False(fields.Name.Present);
        Assert.False(fields.Revoked.Present);
    }

    [Fact]
    public void Read_Null_ClearsANullableField()
    {
        var fields = Read("""{"rpm":null,"team":null,"metadata":null,"expiresAt":null,"budgetUsd":null}""", AccessFieldsReader.KeyUpdate);

        Assert.Equal(FieldChange<int?>.Set(null), fields.Rpm);
        Assert.Equal(FieldChange<string?>.Set(null), fields.Team);
        Assert.Equal(FieldChange<string?>.Set(null), fields.MetadataJson);
        Assert.Equal(FieldChange<long?>.Set(null), fields.ExpiresAt);
        Assert.Equal(FieldChange<decimal?>.Set(null), fields.BudgetUsd);
    }

    [Fact]
    public void Read_Values_AreCheckedAndConverted()
    {
        var fields = Read("""
            {"name":"n","models":["echo","*","echo"],"budgetUsd":1.000001,"budgetPeriod":"weekly","expiresAt":"2026-05-01T01:00:00-01:00"}
            """, AccessFieldsReader.KeyCreate);

        Assert.Equal("n", fields.Name.Value);
        Assert.Equal(["echo", "*"], fields.Models.Value);
        Assert.Equal(1.000001m, fields.BudgetUsd.Value);
        Assert.Equal("weekly", fields.BudgetPeriod.Value);
        Assert.Equal(Now.AddHours(2).ToUnixTimeSeconds(), fields.ExpiresAt.Value);
    }

    [Fact]
    public void Read_MetadataAsSent_IsKeptRaw()
    {
        var fields = Read("""{"metadata": {"b": [1, 2],  "a": "x"}}""", AccessFieldsReader.TeamFields);

        Assert.Equal("""{"b": [1, 2],  "a": "x"}""", fields.MetadataJson.Value);
    }

    [Theory]
    [InlineData("""{"gracePeriodSeconds":0}""", 0L)]
    [InlineData("""{"gracePeriodSeconds":2592000}""", 2_592_000L)]
    public void Read_GracePeriod_FromZeroTo30Days(string json, long seconds)
    {
        Assert.Equal(seconds, Read(json, AccessFieldsReader.Rotate).GracePeriodSeconds.Value);
    }

    [Theory]
    [InlineData("""{"expiresAt":"2026-05-01T00:00:00Z"}""", "expiresAt")]
    [InlineData("""{"budgetUsd":1000000000000.000001}""", "budgetUsd")]
    [InlineData("""{"budgetUsd":-0.000001}""", "budgetUsd")]
    [InlineData("""{"name":"NAME"}""", "name")]
    [InlineData("""{"maxParallel":0}""", "maxParallel")]
    public void Read_BadValue_NamesTheField(string json, string param)
    {
        using var document = JsonDocument.Parse(json.Replace("NAME", new string('n', AccessFieldsReader.MaxNameChars + 1)));

        var error = AccessFieldsReader.Read(document.RootElement, AccessFieldsReader.KeyUpdate, Catalog, Now, out _);

        Assert.NotNull(error);
        Assert.Equal(400, error.Status);
        Assert.Equal(param, error.Param);
    }

    private static AccessFields Read(string json, string[] allowed)
    {
        using var document = JsonDocument.Parse(json);
        var error = AccessFieldsReader.Read(document.RootElement, allowed, Catalog, Now, out var fields);
        Assert.Null(error);
        return fields;
    }

    private static ModelCatalog BuildCatalog()
    {
        var config = ConfigLoader.Parse("""
            { "providers": { "local": { "type": "mock" } }, "models": { "echo": [ { "provider": "local", "model": "echo" } ] } }
            """, "proxy.json", EnvironmentExpander.Process);
        using var unused = new HttpMessageInvoker(new SocketsHttpHandler());
        return ProxyRuntime.Build(config, new ProviderServices(unused, TimeProvider.System, NullLoggerFactory.Instance)).Catalog;
    }
}
