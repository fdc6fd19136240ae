using System.Data.Common;

namespace LlmProxy.Storage;

/// <summary>
/// Tells a database that cannot be used right now (PostgreSQL unreachable, restarting or shutting down; a SQLite file
/// locked past its busy timeout) from a bug or bad data: the first is worth retrying, and is a 503 for a client,
/// which may retry too. The providers' own <see cref="DbException.IsTransient"/> says which: Npgsql's for a refused,
/// lost or timed-out connection and for SQLSTATE classes 08 (but protocol violations), 53 and 57P
/// (https://www.postgresql.org/docs/current/errcodes-appendix.html); SQLite's for SQLITE_BUSY and SQLITE_LOCKED.
/// Wrapped only by the stores' own task plumbing (<see cref="AggregateException"/>), never by another component.
/// </summary>
internal static class StorageUnavailable
{
    /// <summary>What a client is told (503, <c>storage_unavailable</c>).</summary>
    public const string Message = "The proxy's database cannot be reached at the moment. Retry in a few seconds.";

    /// <summary>The <c>Retry-After</c> of a 503 <c>storage_unavailable</c>: the ledger's retry interval, about when it may be back.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static bool Is(Exception exception) => exception switch
    {
        DbException { IsTransient: true } => true,
        AggregateException { InnerExceptions: [var inner] } => Is(inner),
        _ => false,
    };
}
