using System.Data.Common;
using Npgsql;

namespace LlmProxy.Storage;

/// <summary>
/// Tells a database that cannot be used right now (PostgreSQL unreachable, restarting or shutting down; a SQLite file
/// locked past its busy timeout) from a bug or bad data: the first is worth retrying, and is a 503 for a client,
/// which may retry too. ADO.NET's <see cref="DbException.IsTransient"/> says part of it (SQLite: SQLITE_BUSY and
/// SQLITE_LOCKED); for PostgreSQL also every Npgsql failure that is not the server's answer (a refused, lost or timed
/// out connection) and the server's own words for going away: SQLSTATE class 08 (connection exception) and 57P
/// (admin_shutdown, crash_shutdown, cannot_connect_now while it recovers;
/// https://www.postgresql.org/docs/current/errcodes-appendix.html).
/// </summary>
internal static class StorageUnavailable
{
    /// <summary>What a client is told (503, <c>storage_unavailable</c>).</summary>
    public const string Message = "The proxy's database cannot be reached at the moment; nothing was changed. Retry in a few seconds.";

    public static bool Is(Exception exception) => exception switch
    {
        PostgresException { SqlState: var state } => state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal)
            || state == PostgresErrorCodes.TooManyConnections,
        NpgsqlException or TimeoutException => true,
        DbException { IsTransient: true } => true,
        { InnerException: { } inner } => Is(inner),
        _ => false,
    };
}
