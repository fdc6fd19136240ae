using System.Data.Common;

namespace LlmProxy.Storage;

/// <summary>
/// Tells a database that cannot be used right now (PostgreSQL unreachable, restarting or shutting down; a SQLite file
/// locked past its busy timeout) from a bug or bad data: the first is worth retrying, and is a 503 for a client,
/// which may retry too. ADO.NET's <see cref="DbException.IsTransient"/> says which for each provider (Npgsql: a lost
/// or refused connection, SQLSTATE classes 08, 53, 57P and 58; SQLite: SQLITE_BUSY and SQLITE_LOCKED).
/// </summary>
internal static class StorageUnavailable
{
    /// <summary>What a client is told (503, <c>storage_unavailable</c>).</summary>
    public const string Message = "The proxy's database cannot be reached at the moment; nothing was changed. Retry in a few seconds.";

    public static bool Is(Exception exception) => exception switch
    {
        DbException { IsTransient: true } or TimeoutException => true,
        { InnerException: { } inner } => Is(inner),
        _ => false,
    };
}
