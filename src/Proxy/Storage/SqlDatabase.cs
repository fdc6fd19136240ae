using System.Data.Common;

namespace LlmProxy.Storage;

/// <summary>
/// The SQL database the shared stores (<see cref="SqlAccessStore"/>, <see cref="SqlResponseStore"/>) run on: SQLite
/// (<see cref="SqliteDatabase"/>, one file) or PostgreSQL (<see cref="PostgresDatabase"/>, shared by every instance).
/// Their SQL is what both speak (parameters as <c>@name</c>, bound through <see cref="SqlParameters"/>;
/// <c>INSERT ... ON CONFLICT</c>); what differs between the two is here.
/// </summary>
internal abstract class SqlDatabase : IDisposable
{
    /// <summary>
    /// Runs <paramref name="work"/> on a connection of its own on a thread-pool thread (the stores' ADO.NET calls
    /// block). Throws <see cref="ObjectDisposedException"/> once the database is disposed.
    /// </summary>
    public abstract Task<T> ReadAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken);

    /// <summary>As <see cref="ReadAsync{T}"/>, for work that writes: it opens its own transaction when it runs more than one statement.</summary>
    public abstract Task<T> WriteAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken);

    /// <summary>
    /// Begins the transaction of a write that checks before it changes (the team exists, the team has no keys): in
    /// SQLite <c>BEGIN IMMEDIATE</c>, whose write lock covers the checks; in PostgreSQL READ COMMITTED, where the rows a
    /// check reads are locked with <see cref="ForShare"/> or <see cref="ForUpdate"/>.
    /// </summary>
    public abstract DbTransaction BeginWrite(DbConnection connection);

    /// <summary>Begins a read-only transaction whose reads all see one committed state.</summary>
    public abstract DbTransaction BeginSnapshot(DbConnection connection);

    /// <summary>Ends a <c>SELECT</c> whose rows must neither change nor vanish before the transaction ends (deleting them waits).</summary>
    public abstract string ForShare { get; }

    /// <summary>Ends a <c>SELECT</c> whose rows the transaction is about to change or delete.</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Follows a text expression in <c>ORDER BY</c> to compare by bytes, as SQLite's BINARY does.</summary>
    public abstract string ByteOrder { get; }

    /// <summary>The SQL function giving a blob's length in bytes without loading it.</summary>
    public abstract string ByteLength { get; }

    /// <summary>The UTC day (<c>YYYY-MM-DD</c> text) of the Unix-milliseconds column <paramref name="unixMsColumn"/>.</summary>
    public abstract string UtcDayOf(string unixMsColumn);

    /// <summary>
    /// <paramref name="column"/> as an expression the planner will not read through an index to group by (SQLite's
    /// unary plus: otherwise it walks a whole (column, time) index for the order, rather than a period's rows by time).
    /// </summary>
    public abstract string Unindexed(string column);

    /// <summary>True when <paramref name="exception"/> is a UNIQUE constraint's violation.</summary>
    public abstract bool IsUniqueViolation(DbException exception);

    /// <summary>Closes the pooled connections.</summary>
    public abstract void Dispose();
}
