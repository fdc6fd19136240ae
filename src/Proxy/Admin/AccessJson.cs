using System.Text.Json;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// The admin API's key and team objects. A key: <c>{"object":"key","id","name","team","models","rpm","tpm",
/// "maxParallel","budgetUsd","budgetPeriod","expiresAt","metadata","prefix","revoked","source","createdAt","updatedAt"}</c>,
/// <c>source</c> <c>admin</c> or <c>config</c> (a config key has no prefix and no times), plus <c>key</c>, the secret,
/// in the one answer that shows it. A team: the same without team, expiresAt, prefix, revoked and source. Times are
/// RFC 3339 UTC; absent values are written as null; budgets as exact decimals of USD.
/// </summary>
internal static class AccessJson
{
    public static void WriteKey(Utf8JsonWriter json, ClientKey key)
    {
        if (key.Stored is { } stored)
        {
            WriteKey(json, stored, secret: null);
            return;
        }
        json.WriteStartObject();
        json.WriteString("object"u8, "key"u8);
        json.WriteString("id"u8, key.Id);
        json.WriteString("name"u8, key.Name);
        json.WriteNull("team"u8);
        WriteLimits(json, key.Models.Models, key.Limits.Rpm, key.Limits.Tpm, key.Limits.MaxParallel, key.Limits.BudgetUsd, BudgetCalendar.Name(key.Limits.BudgetPeriod));
        json.WriteNull("expiresAt"u8);
        json.WriteNull("metadata"u8);
        json.WriteNull("prefix"u8);
        json.WriteBoolean("revoked"u8, false);
        json.WriteString("source"u8, "config"u8);
        json.WriteNull("createdAt"u8);
        json.WriteNull("updatedAt"u8);
        json.WriteEndObject();
    }

    /// <summary>A stored key; with <paramref name="secret"/> (create, rotate: the one time it is shown) as <c>key</c>.</summary>
    public static void WriteKey(Utf8JsonWriter json, StoredKey key, string? secret)
    {
        json.WriteStartObject();
        json.WriteString("object"u8, "key"u8);
        json.WriteString("id"u8, key.Id);
        if (secret is not null)
        {
            json.WriteString("key"u8, secret);
        }
        json.WriteString("name"u8, key.Name);
        WriteNullable(json, "team"u8, key.TeamId);
        WriteLimits(json, key.Models, key.Rpm, key.Tpm, key.MaxParallel, key.BudgetUsd, key.BudgetPeriod);
        WriteNullable(json, "expiresAt"u8, key.ExpiresAt is { } expiresAt ? Rfc3339.FromUnixSeconds(expiresAt) : null);
        WriteMetadata(json, key.MetadataJson);
        json.WriteString("prefix"u8, key.Prefix);
        json.WriteBoolean("revoked"u8, key.Revoked);
        json.WriteString("source"u8, "admin"u8);
        json.WriteString("createdAt"u8, Rfc3339.FromUnixSeconds(key.CreatedAt));
        json.WriteString("updatedAt"u8, Rfc3339.FromUnixSeconds(key.UpdatedAt));
        json.WriteEndObject();
    }

    public static void WriteTeam(Utf8JsonWriter json, StoredTeam team)
    {
        json.WriteStartObject();
        json.WriteString("object"u8, "team"u8);
        json.WriteString("id"u8, team.Id);
        json.WriteString("name"u8, team.Name);
        WriteLimits(json, team.Models, team.Rpm, team.Tpm, team.MaxParallel, team.BudgetUsd, team.BudgetPeriod);
        WriteMetadata(json, team.MetadataJson);
        json.WriteString("createdAt"u8, Rfc3339.FromUnixSeconds(team.CreatedAt));
        json.WriteString("updatedAt"u8, Rfc3339.FromUnixSeconds(team.UpdatedAt));
        json.WriteEndObject();
    }

    /// <summary>What DELETE answers, as OpenAI's deletes do: <c>{"id","object":"key.deleted","deleted":true}</c>.</summary>
    public static void WriteDeleted(Utf8JsonWriter json, string id, string objectName)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, id);
        json.WriteString("object"u8, objectName);
        json.WriteBoolean("deleted"u8, true);
        json.WriteEndObject();
    }

    public static void WriteLimits(Utf8JsonWriter json, IReadOnlyList<string> models, int? rpm, int? tpm, int? maxParallel, decimal? budgetUsd, string budgetPeriod)
    {
        json.WriteStartArray("models"u8);
        foreach (var model in models)
        {
            json.WriteStringValue(model);
        }
        json.WriteEndArray();
        WriteNullable(json, "rpm"u8, rpm);
        WriteNullable(json, "tpm"u8, tpm);
        WriteNullable(json, "maxParallel"u8, maxParallel);
        if (budgetUsd is { } budget)
        {
            json.WriteNumber("budgetUsd"u8, budget);
        }
        else
        {
            json.WriteNull("budgetUsd"u8);
        }
        json.WriteString("budgetPeriod"u8, budgetPeriod);
    }

    public static void WriteMetadata(Utf8JsonWriter json, string? metadataJson)
    {
        json.WritePropertyName("metadata"u8);
        if (metadataJson is null)
        {
            json.WriteNullValue();
        }
        else
        {
            // Checked as a JSON object when it was set; written as the caller sent it.
            json.WriteRawValue(metadataJson, skipInputValidation: true);
        }
    }

    public static void WriteNullable(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, ReadOnlySpan<byte> name, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
