using System.Data;
using System.Data.Common;
using Npgsql;

namespace LlmProxy.Storage;

/// <summary>
/// The PostgreSQL database every instance of a scaled-out proxy shares (config <c>storage.type: "postgres"</c>): the
/// same tables as SQLite's file (<see cref="PostgresSchema"/>), reached through one pooled Npgsql data source built
/// with <see cref="NpgsqlSlimDataSourceBuilder"/> (the stores need only text, integers, booleans, doubles and bytea;
/// the full builder's type plugins would double Npgsql's share of the binary). Every write is one PostgreSQL
/// transaction, durable when it commits (the server's <c>synchronous_commit</c>). Calls run Npgsql's synchronous API on
/// a thread-pool thread, as SQLite's do, so the stores' code is one for both.
/// </summary>
internal sealed class PostgresDatabase : SqlDatabase
{
    private readonly NpgsqlDataSource _source;
    private int _disposed;

    private PostgresDatabase(NpgsqlDataSource source) => _source = source;

    /// <summary>
    /// Connects with <paramref name="connectionString"/> (Npgsql's keywords: <c>Host=db;Database=llm_proxy;Username=...;
    /// Password=...</c>) and migrates the database to <see cref="PostgresSchema.Migrations"/>' last version, one instance
    /// at a time. Throws <see cref="StorageException"/>, one line naming the server and database but never the password,
    /// when it cannot be reached or used.
    /// </summary>
    public static PostgresDatabase Open(string connectionString)
    {
        NpgsqlSlimDataSourceBuilder builder;
        try
        {
            builder = new NpgsqlSlimDataSourceBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new StorageException($"not a PostgreSQL connection string: {e.Message}", e);
        }
        var settings = builder.ConnectionStringBuilder;
        // Npgsql waits 15 s for a connection by default: a request (a stored response, an admin write) meeting an
        // unreachable server would hold its pool thread that long. 5 s unless the connection string says otherwise.
        if (!new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey("Timeout"))
        {
            settings.Timeout = 5;
        }
        var host = settings.Host ?? "localhost";
        var where = $"PostgreSQL at {(host.Contains(',', StringComparison.Ordinal) ? host : $"{host}:{settings.Port}")}, database '{settings.Database ?? settings.Username}'";
        var source = builder.Build();
        try
        {
            using var connection = source.OpenConnection();
            PostgresSchema.Migrate(connection, where);
        }
        catch (StorageException)
        {
            source.Dispose();
            throw;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            source.Dispose();
            throw new StorageException($"cannot use {where}: {OneLine(e)}", e);
        }
        return new PostgresDatabase(source);
    }

    // The server's own words (a PostgresException's Message adds POSITION and more on further lines), or the innermost
    // cause of a connection failure ("Exception while reading from stream" says less than its inner exception).
    private static string OneLine(Exception e) => e switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        NpgsqlException { InnerException: { } inner } => $"{e.Message} ({inner.Message.ReplaceLineEndings(" ")})",
        _ => e.Message.ReplaceLineEndings(" "),
    };

    public override Task<T> ReadAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Task.Run(() =>
        {
            using var connection = _source.OpenConnection();
            return work(connection);
        }, cancellationToken);
    }

    /// <summary>As <see cref="ReadAsync{T}"/>: PostgreSQL orders concurrent writers itself, row by row.</summary>
    public override Task<T> WriteAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken) => ReadAsync(work, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> on the calling thread, which may block (the usage ledger's writer has a thread of its own).
    /// </summary>
    public T RunOnCaller<T>(Func<NpgsqlConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var connection = _source.OpenConnection();
        return work(connection);
    }

    /// <summary>READ COMMITTED: a write's checks lock the rows they read (<see cref="ForShare"/>, <see cref="ForUpdate"/>).</summary>
    public override DbTransaction BeginWrite(DbConnection connection) => connection.BeginTransaction(IsolationLevel.ReadCommitted);

    /// <summary>REPEATABLE READ: every statement sees the snapshot the first one took.</summary>
    public override DbTransaction BeginSnapshot(DbConnection connection) => connection.BeginTransaction(IsolationLevel.RepeatableRead);

    public override string ForShare => " FOR SHARE";

    public override string ForUpdate => " FOR UPDATE";

    public override string ByteOrder => " COLLATE \"C\"";

    /// <summary><c>octet_length()</c>, read from a TOASTed value's header without fetching it.</summary>
    public override string ByteLength => "octet_length";

    public override string UtcDayOf(string unixMsColumn) => $"to_char(to_timestamp({unixMsColumn} / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";

    /// <summary>The column itself: PostgreSQL's planner picks its own way to group.</summary>
    public override string Unindexed(string column) => column;

    /// <summary>SQLSTATE 23505, unique_violation (https://www.postgresql.org/docs/current/errcodes-appendix.html).</summary>
    public override bool IsUniqueViolation(DbException exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _source.Dispose();
        }
    }
}
