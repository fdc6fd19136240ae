using LlmProxy.Storage;
using LlmProxy.Testing;
using Npgsql;

namespace LlmProxy.Tests.Storage;

/// <summary>
/// The database a store contract test runs against: SQLite in a temporary file (<see cref="SqliteTestStore"/>) or
/// PostgreSQL in a schema of its own on the test server (<see cref="PostgresTestStore"/>). The same tests run on both,
/// so the two behave alike behind the store interfaces.
/// </summary>
internal abstract class TestStore : IDisposable
{
    /// <summary>A new handle on the same data, as another process (or instance) would open it; the caller disposes it.</summary>
    public abstract SqlDatabase OpenDatabase();

    /// <summary>The usage store of this kind of database over <paramref name="database"/>.</summary>
    public abstract IUsageStore UsageStore(SqlDatabase database);

    /// <summary>Runs <paramref name="sql"/> on a connection of its own and returns its first value (integers as <see cref="long"/>).</summary>
    public abstract object? Scalar(string sql);

    /// <summary>
    /// The first row of <paramref name="sql"/>, on a connection of its own, in SQLite's terms whatever the database:
    /// integers and booleans as <see cref="long"/> (true 1), NULL as <see cref="DBNull"/>.
    /// </summary>
    public object?[] Row(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"no row: {sql}");
        var values = new object?[reader.FieldCount];
        reader.GetValues(values!);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = values[i] switch
            {
                bool flag => flag ? 1L : 0L,
                int number => (long)number,
                var value => value,
            };
        }
        return values;
    }

    /// <summary>A connection of its own, opened, as another program would have.</summary>
    public abstract System.Data.Common.DbConnection Connect();

    public abstract void Dispose();
}

internal sealed class SqliteTestStore : TestStore
{
    public TemporaryDatabase File { get; } = new();

    public override SqlDatabase OpenDatabase() => File.OpenDatabase();

    public override IUsageStore UsageStore(SqlDatabase database) => new SqliteUsageStore((SqliteDatabase)database);

    public override object? Scalar(string sql) => File.Scalar(sql);

    public override System.Data.Common.DbConnection Connect() => File.Connect();

    public override void Dispose() => File.Dispose();
}

internal sealed class PostgresTestStore : TestStore
{
    public string ConnectionString { get; } = PostgresServer.Shared.CreateSchema();

    public override SqlDatabase OpenDatabase() => PostgresDatabase.Open(ConnectionString);

    public override IUsageStore UsageStore(SqlDatabase database) => new PostgresUsageStore((PostgresDatabase)database);

    public override object? Scalar(string sql) => PostgresServer.Shared.Execute(sql, ConnectionString);

    public override System.Data.Common.DbConnection Connect()
    {
        var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        connection.Open();
        return connection;
    }

    // The schema stays until the server goes with the test run: dropping it would wait for pooled connections.
    public override void Dispose() => NpgsqlConnection.ClearAllPools();
}
