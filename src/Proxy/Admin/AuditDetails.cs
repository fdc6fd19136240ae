using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// The <c>details</c> of an audit entry, a JSON object of what a change applied, in the body's field names: every
/// field of a new key or team, the fields a PATCH sent (with the values they took), a rotation's grace period and new
/// prefix, a deleted record's name. Never a secret: no field of these holds one.
/// </summary>
internal static class AuditDetails
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string OfNewKey(StoredKey key) => Write(key, static (json, key) =>
    {
        json.WriteString("name"u8, key.Name);
        AccessJson.WriteNullable(json, "team"u8, key.TeamId);
        AccessJson.WriteLimits(json, key.Models, key.Rpm, key.Tpm, key.MaxParallel, key.BudgetUsd, key.BudgetPeriod);
        AccessJson.WriteNullable(json, "expiresAt"u8, key.ExpiresAt is { } expiresAt ? Rfc3339.FromUnixSeconds(expiresAt) : null);
        AccessJson.WriteMetadata(json, key.MetadataJson);
        json.WriteString("prefix"u8, key.Prefix);
    });

    public static string OfNewTeam(StoredTeam team) => Write(team, static (json, team) =>
    {
        json.WriteString("name"u8, team.Name);
        AccessJson.WriteLimits(json, team.Models, team.Rpm, team.Tpm, team.MaxParallel, team.BudgetUsd, team.BudgetPeriod);
        AccessJson.WriteMetadata(json, team.MetadataJson);
    });

    /// <summary>The fields <paramref name="fields"/> holds, as <paramref name="after"/> has them once applied.</summary>
    public static string OfUpdate(AccessFields fields, StoredKey after) => Write((fields, after), static (json, state) =>
    {
        var (fields, key) = state;
        WriteChanged(json, fields, key.Name, key.Models, key.Rpm, key.Tpm, key.MaxParallel, key.BudgetUsd, key.BudgetPeriod, key.MetadataJson);
        if (fields.Team.Present)
        {
            AccessJson.WriteNullable(json, "team"u8, key.TeamId);
        }
        if (fields.ExpiresAt.Present)
        {
            AccessJson.WriteNullable(json, "expiresAt"u8, key.ExpiresAt is { } expiresAt ? Rfc3339.FromUnixSeconds(expiresAt) : null);
        }
        if (fields.Revoked.Present)
        {
            json.WriteBoolean("revoked"u8, key.Revoked);
        }
    });

    public static string OfUpdate(AccessFields fields, StoredTeam after) => Write((fields, after), static (json, state) =>
    {
        var (fields, team) = state;
        WriteChanged(json, fields, team.Name, team.Models, team.Rpm, team.Tpm, team.MaxParallel, team.BudgetUsd, team.BudgetPeriod, team.MetadataJson);
    });

    public static string OfRotation(long gracePeriodSeconds, string prefix) => Write((gracePeriodSeconds, prefix), static (json, state) =>
    {
        json.WriteNumber("gracePeriodSeconds"u8, state.gracePeriodSeconds);
        json.WriteString("prefix"u8, state.prefix);
    });

    public static string OfDeletion(string name) => Write(name, static (json, name) => json.WriteString("name"u8, name));

    private static void WriteChanged(Utf8JsonWriter json, AccessFields fields, string name, IReadOnlyList<string> models, int? rpm, int? tpm,
        int? maxParallel, decimal? budgetUsd, string budgetPeriod, string? metadataJson)
    {
        // WriteLimits writes all six limit fields; a PATCH's details name only those it sent, so each is written alone.
        if (fields.Name.Present)
        {
            json.WriteString("name"u8, name);
        }
        if (fields.Models.Present)
        {
            json.WriteStartArray("models"u8);
            foreach (var model in models)
            {
                json.WriteStringValue(model);
            }
            json.WriteEndArray();
        }
        WriteIfSent(json, fields.Rpm.Present, "rpm"u8, rpm);
        WriteIfSent(json, fields.Tpm.Present, "tpm"u8, tpm);
        WriteIfSent(json, fields.MaxParallel.Present, "maxParallel"u8, maxParallel);
        if (fields.BudgetUsd.Present)
        {
            if (budgetUsd is { } budget)
            {
                json.WriteNumber("budgetUsd"u8, budget);
            }
            else
            {
                json.WriteNull("budgetUsd"u8);
            }
        }
        if (fields.BudgetPeriod.Present)
        {
            json.WriteString("budgetPeriod"u8, budgetPeriod);
        }
        if (fields.MetadataJson.Present)
        {
            AccessJson.WriteMetadata(json, metadataJson);
        }
    }

    private static void WriteIfSent(Utf8JsonWriter json, bool sent, ReadOnlySpan<byte> name, int? value)
    {
        if (!sent)
        {
            return;
        }
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Write<TState>(TState state, Action<Utf8JsonWriter, TState> writeFields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            writeFields(json, state);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
