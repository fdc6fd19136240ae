using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Data.Common;

namespace LlmProxy.Storage;

// How keys and teams map to rows: models as a JSON array of strings, budgets as the decimal's invariant-culture digits
// (exact, scale kept: 10.50m reads back as 10.50m), booleans as SqlParameters binds them, nulls as NULL.
internal sealed partial class SqlAccessStore
{
    private const string KeyColumns = "id, name, team_id, models, rpm, tpm, max_parallel, budget_usd, budget_period, expires_at, metadata, prefix, revoked, created_at, updated_at";
    private const string KeyParameters = "@id, @name, @team_id, @models, @rpm, @tpm, @max_parallel, @budget_usd, @budget_period, @expires_at, @metadata, @prefix, @revoked, @created_at, @updated_at";
    private const string TeamColumns = "id, name, models, rpm, tpm, max_parallel, budget_usd, budget_period, metadata, created_at, updated_at";
    private const string TeamParameters = "@id, @name, @models, @rpm, @tpm, @max_parallel, @budget_usd, @budget_period, @metadata, @created_at, @updated_at";

    // Readable in the file (a model alias may hold any character); it is never served as HTML.
    private static readonly JsonWriterOptions ModelsJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void BindKey(DbCommand command, StoredKey key)
    {
        command.Bind("@id", key.Id);
        command.Bind("@name", key.Name);
        command.Bind("@team_id", key.TeamId);
        BindLimits(command, key.Models, key.Rpm, key.Tpm, key.MaxParallel, key.BudgetUsd, key.BudgetPeriod, key.MetadataJson, key.CreatedAt, key.UpdatedAt);
        command.Bind("@expires_at", key.ExpiresAt);
        command.Bind("@prefix", key.Prefix);
        command.Bind("@revoked", key.Revoked);
    }

    private static void BindTeam(DbCommand command, StoredTeam team)
    {
        command.Bind("@id", team.Id);
        command.Bind("@name", team.Name);
        BindLimits(command, team.Models, team.Rpm, team.Tpm, team.MaxParallel, team.BudgetUsd, team.BudgetPeriod, team.MetadataJson, team.CreatedAt, team.UpdatedAt);
    }

    private static void BindLimits(DbCommand command, IReadOnlyList<string> models, int? rpm, int? tpm, int? maxParallel,
        decimal? budgetUsd, string budgetPeriod, string? metadataJson, long createdAt, long updatedAt)
    {
        command.Bind("@models", WriteModels(models));
        command.Bind("@rpm", rpm);
        command.Bind("@tpm", tpm);
        command.Bind("@max_parallel", maxParallel);
        command.Bind("@budget_usd", budgetUsd?.ToString(CultureInfo.InvariantCulture));
        command.Bind("@budget_period", budgetPeriod);
        command.Bind("@metadata", metadataJson);
        command.Bind("@created_at", createdAt);
        command.Bind("@updated_at", updatedAt);
    }

    // Columns in the order of KeyColumns.
    private static StoredKey ReadKey(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), NullableString(reader, 2), ReadModels(reader.GetString(3)),
        NullableInt32(reader, 4), NullableInt32(reader, 5), NullableInt32(reader, 6), NullableDecimal(reader, 7), reader.GetString(8),
        NullableInt64(reader, 9), NullableString(reader, 10), reader.GetString(11), reader.GetBoolean(12), reader.GetInt64(13), reader.GetInt64(14));

    // Columns in the order of TeamColumns.
    private static StoredTeam ReadTeam(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), ReadModels(reader.GetString(2)),
        NullableInt32(reader, 3), NullableInt32(reader, 4), NullableInt32(reader, 5), NullableDecimal(reader, 6), reader.GetString(7),
        NullableString(reader, 8), reader.GetInt64(9), reader.GetInt64(10));

    private static List<T> ReadAll<T>(DbConnection connection, string sql, Func<DbDataReader, T> read)
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
    // The only UNIQUE constraints of keys and teams are their names.
    private int ExecuteNamed(DbCommand command, string name, string kind)
    {
        try
        {
            return command.ExecuteNonQuery();
        }
        catch (DbException e) when (database.IsUniqueViolation(e))
        {
            throw new StorageConflictException("name", $"another {kind} is already named '{name}'");
        }
    }

    private static bool Exists(DbConnection connection, string sql, string id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Bind("@id", id);
        return command.ExecuteScalar() is not null;
    }

    private static int Delete(DbConnection connection, string sql, string id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Bind("@id", id);
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

    private static string? NullableString(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static int? NullableInt32(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt32(column);

    private static long? NullableInt64(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt64(column);

    private static decimal? NullableDecimal(DbDataReader reader, int column) => reader.IsDBNull(column)
        ? null
        : decimal.Parse(reader.GetString(column), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}
