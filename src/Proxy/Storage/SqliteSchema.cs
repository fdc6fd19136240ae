using System.Globalization;
using Microsoft.Data.Sqlite;

namespace LlmProxy.Storage;

/// <summary>
/// The database's schema and how a file reaches it. A file's version is its <c>PRAGMA user_version</c> (0 for a new
/// or empty file); each step runs in its own transaction together with its version bump, so a crash mid-migration
/// leaves the file at the last whole step and the next start resumes from there. Steps are only ever appended: a
/// released step is never edited, because files in the field have already run it.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>
    /// <c>PRAGMA application_id</c> of an llm-proxy database ("LLMP"): a path that points at another program's SQLite
    /// file is refused instead of having our tables added to it (https://www.sqlite.org/pragma.html#pragma_application_id).
    /// </summary>
    public const int ApplicationId = 0x4C4C4D50;

    /// <summary>
    /// No foreign keys: <c>previous_response_id</c> may name a response that has expired or been deleted since, which
    /// must not block saving or deleting either one. The blobs stay in a rowid table (large rows are what
    /// WITHOUT ROWID is not for); the index on <c>expires_at</c> serves retention.
    /// </summary>
    public static readonly SqliteMigration[] Migrations =
    [
        new(1, """
            CREATE TABLE responses (
                id TEXT NOT NULL PRIMARY KEY,
                owner TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                status TEXT NOT NULL,
                previous_response_id TEXT,
                response BLOB NOT NULL,
                input_items BLOB NOT NULL
            );
            CREATE INDEX responses_expires_at ON responses (expires_at);
            CREATE TABLE secrets (
                name TEXT NOT NULL PRIMARY KEY,
                value BLOB NOT NULL
            );
            """),
        // The provider that holds a response's state itself (a Responses API passed through to it), so that only it is
        // asked to continue that conversation natively; null for responses the proxy translated.
        new(2, "ALTER TABLE responses ADD COLUMN native_provider TEXT;"),
        // A background response's streamed events, for GET /v1/responses/{id}?stream=true&starting_after=N after its run.
        new(3, "ALTER TABLE responses ADD COLUMN events BLOB;"),
    ];

    /// <summary>
    /// Brings the file behind <paramref name="connection"/> to the last of <paramref name="migrations"/> (by default
    /// <see cref="Migrations"/>) and returns how many steps ran: 0 for a file already up to date. Throws
    /// <see cref="StorageException"/> for a file of a newer schema or of another program.
    /// </summary>
    public static int Migrate(SqliteConnection connection, string path, IReadOnlyList<SqliteMigration>? migrations = null)
    {
        migrations ??= Migrations;
        var latest = migrations[^1].Version;
        var applied = 0;
        foreach (var step in migrations)
        {
            // BEGIN IMMEDIATE takes the write lock before the version is read: two processes opening one new file
            // migrate it once, the second waiting (busy_timeout) and then finding the step done.
            using var transaction = connection.BeginTransaction(deferred: false);
            var version = ReadVersion(connection, path, latest);
            if (version >= step.Version)
            {
                continue; // disposing the transaction rolls back nothing
            }
            Execute(connection, step.Sql);
            // Both are integers from this file, not input: PRAGMA takes no parameters.
            Execute(connection, string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA user_version = {step.Version}; PRAGMA application_id = {ApplicationId};"));
            transaction.Commit();
            applied++;
        }
        return applied;
    }

    private static int ReadVersion(SqliteConnection connection, string path, int latest)
    {
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        var application = Convert.ToInt32(Scalar(connection, "PRAGMA application_id"), CultureInfo.InvariantCulture);
        if (application != 0 && application != ApplicationId)
        {
            throw new StorageException($"'{path}' is another program's SQLite database (application_id {application}), not llm-proxy's");
        }
        if (version == 0 && application == 0 && Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master"), CultureInfo.InvariantCulture) > 0)
        {
            throw new StorageException($"'{path}' is a SQLite database with tables that are not llm-proxy's");
        }
        if (version > latest)
        {
            throw new StorageException($"'{path}' has schema version {version}, written by a newer llm-proxy; this one knows up to {latest} " +
                "and will not use it (run the newer llm-proxy, or point storage.path elsewhere)");
        }
        return version;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
