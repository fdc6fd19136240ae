using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace LlmProxy.Storage;

// How keys and teams map to rows: models as a JSON array of strings, budgets as the decimal's invariant-culture digits
// (exact, scale kept: 10.50m reads back as 10.50m), booleans as 0/1, nulls as NULL.
internal sealed partial class SqliteAccessStore
{
    private const string KeyColumns = "id, name, team_id, models, rpm, tpm, max_parallel, budget_usd, budget_period, expires_at, metadata, prefix, revoked, created_at, updated_at";
    private const string KeyParameters = "$id, $name, $team_id, $models, $rpm, $tpm, $max_parallel, $budget_usd, $budget_period, $expires_at, $metadata, $prefix, $revoked, $created_at, $updated_at";
    private const string TeamColumns = "id, name, models, rpm, tpm, max_parallel, budget_usd, budget_period, metadata, created_at, updated_at";
    private const string TeamParameters = "$id, $name, $models, $rpm, $tpm, $max_parallel, $budget_usd, $budget_period, $metadata, $created_at, $updated_at";

    // https://www.sqlite.org/rescode.html#constraint_unique: the only UNIQUE constraints of keys and teams are their names.
    private const int ConstraintUnique = 2067;

    // Readable in the file (a model alias may hold any character); it is never served as HTML.
    private static readonly JsonWriterOptions ModelsJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void BindKey(SqliteCommand command, StoredKey key)
    {
        var parameters = command.Parameters;
        parameters.Add("$id", SqliteType.Text).Value = key.Id;
        parameters.Add("$name", SqliteType.Text).Value = key.Name;
        parameters.Add("$team_id", SqliteType.Text).Value = (object?)key.TeamId ?? DBNull.Value;
        BindLimits(parameters, key.Models, key.Rpm, key.Tpm, key.MaxParallel, key.BudgetUsd, key.BudgetPeriod, key.MetadataJson, key.CreatedAt, key.UpdatedAt);
        parameters.Add("$expires_at", SqliteType.Integer).Value = (object?)key.ExpiresAt ?? DBNull.Value;
        parameters.Add("$prefix", SqliteType.Text).Value = key.Prefix;
        parameters.Add("$revoked", SqliteType.Integer).Value = key.Revoked ? 1 : 0;
    }

    private static void BindTeam(SqliteCommand command, StoredTeam team)
    {
        var parameters = command.Parameters;
        parameters.Add("$id", SqliteType.Text).Value = team.Id;
        parameters.Add("$name", SqliteType.Text).Value = team.Name;
        BindLimits(parameters, team.Models, team.Rpm, team.Tpm, team.MaxParallel, team.BudgetUsd, team.BudgetPeriod, team.MetadataJson, team.CreatedAt, team.UpdatedAt);
    }

    private static void BindLimits(SqliteParameterCollection parameters, IReadOnlyList<string> models, int? rpm, int? tpm, int? maxParallel,
        decimal? budgetUsd, string budgetPeriod, string? metadataJson, long createdAt, long updatedAt)
    {
        parameters.Add("$models", SqliteType.Text).Value = WriteModels(models);
        parameters.Add("$rpm", SqliteType.Integer).Value = (object?)rpm ?? DBNull.Value;
        parameters.Add("$tpm", SqliteType.Integer).Value = (object?)tpm ?? DBNull.Value;
        parameters.Add("$max_parallel", SqliteType.Integer).Value = (object?)maxParallel ?? DBNull.Value;
        parameters.Add("$budget_usd", SqliteType.Text).Value = (object?)budgetUsd?.ToString(CultureInfo.InvariantCulture) ?? DBNull.Value;
        parameters.Add("$budget_period", SqliteType.Text).Value = budgetPeriod;
        parameters.Add("$metadata", SqliteType.Text).Value = (object?)metadataJson ?? DBNull.Value;
        parameters.Add("$created_at", SqliteType.Integer).Value = createdAt;
        parameters.Add("$updated_at", SqliteType.Integer).Value = updatedAt;
    }

    // Columns in the order of KeyColumns.
    private static StoredKey ReadKey(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), NullableString(reader, 2), ReadModels(reader.GetString(3)),
        NullableInt32(reader, 4), NullableInt32(reader, 5), NullableInt32(reader, 6), NullableDecimal(reader, 7), reader.GetString(8),
        NullableInt64(reader, 9), NullableString(reader, 10), reader.GetString(11), reader.GetInt64(12) != 0, reader.GetInt64(13), reader.GetInt64(14));

    // Columns in the order of TeamColumns.
    private static StoredTeam ReadTeam(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), ReadModels(reader.GetString(2)),
        NullableInt32(reader, 3), NullableInt32(reader, 4), NullableInt32(reader, 5), NullableDecimal(reader, 6), reader.GetString(7),
        NullableString(reader, 8), reader.GetInt64(9), reader.GetInt64(10));

    private static List<T> ReadAll<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    /// <summary>Runs an insert or update of a named row; a name another row has is a <see cref="StorageConflictException"/> on <c>name</c>.</summary>
    private static int ExecuteNamed(SqliteCommand command, string name, string kind)
    {
        try
        {
            return command.ExecuteNonQuery();
        }
        catch (SqliteException e) when (e.SqliteExtendedErrorCode == ConstraintUnique)
        {
            throw new StorageConflictException("name", $"another {kind} is already named '{name}'");
        }
    }

    private static bool Exists(SqliteConnection connection, string sql, string id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add("$id", SqliteType.Text).Value = id;
        return command.ExecuteScalar() is not null;
    }

    private static int Delete(SqliteConnection connection, string sql, string id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add("$id", SqliteType.Text).Value = id;
        return command.ExecuteNonQuery();
    }

    private static string WriteModels(IReadOnlyList<string> models)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, ModelsJson))
        {
            writer.WriteStartArray();
            foreach (var model in models)
            {
                writer.WriteStringValue(model);
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string[] ReadModels(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        var models = new List<string>();
        if (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                models.Add(reader.GetString()!);
            }
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return [.. models];
            }
        }
        throw new InvalidDataException($"a models column holds {json}, not a JSON array of strings");
    }

    private static string? NullableString(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static int? NullableInt32(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt32(column);

    private static long? NullableInt64(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt64(column);

    private static decimal? NullableDecimal(SqliteDataReader reader, int column) => reader.IsDBNull(column)
        ? null
        : decimal.Parse(reader.GetString(column), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}
