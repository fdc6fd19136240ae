using System.Data;
using System.Data.Common;

namespace LlmProxy.Storage;

/// <summary>
/// Binds a command's <c>@name</c> parameters with an explicit type, as both SQLite and PostgreSQL need: PostgreSQL
/// cannot infer the type of a parameter that is only ever compared with NULL (<c>@before IS NULL</c>). A null value
/// binds SQL NULL.
/// </summary>
internal static class SqlParameters
{
    /// <summary>Binds text as <see cref="SqlText.Storable"/> makes it: the same in every database.</summary>
    public static void Bind(this DbCommand command, string name, string? value) =>
        Bind(command, name, DbType.String, value is null ? null : SqlText.Storable(value));

    public static void Bind(this DbCommand command, string name, long? value) => Bind(command, name, DbType.Int64, value);

    public static void Bind(this DbCommand command, string name, int? value) => Bind(command, name, DbType.Int32, value);

    /// <summary>SQLite keeps it as the integer 1 or 0; PostgreSQL as a <c>boolean</c>.</summary>
    public static void Bind(this DbCommand command, string name, bool value) => Bind(command, name, DbType.Boolean, value);

    public static void Bind(this DbCommand command, string name, byte[]? value) => Bind(command, name, DbType.Binary, value);

    private static void Bind(DbCommand command, string name, DbType type, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
