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
    public static readonly SqlMigration[] Migrations =
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
        // Virtual keys, their secrets' SHA-256 hashes, teams and the audit log (SqlAccessStore). Still no foreign
        // keys: the store checks a key's team and a team's keys inside the write's own transaction. Money is TEXT, the
        // decimal's invariant-culture digits, because SQLite's REAL would round it. Names compare case-sensitively
        // (BINARY collation), as IAccessStore says.
        new(4, """
            CREATE TABLE keys (
                id TEXT NOT NULL PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                team_id TEXT,
                models TEXT NOT NULL,
                rpm INTEGER,
                tpm INTEGER,
                max_parallel INTEGER,
                budget_usd TEXT,
                budget_period TEXT NOT NULL,
                expires_at INTEGER,
                metadata TEXT,
                prefix TEXT NOT NULL,
                revoked INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX keys_team_id ON keys (team_id);
            CREATE TABLE key_secrets (
                hash BLOB NOT NULL PRIMARY KEY,
                key_id TEXT NOT NULL,
                expires_at INTEGER
            );
            CREATE INDEX key_secrets_key_id ON key_secrets (key_id);
            CREATE TABLE teams (
                id TEXT NOT NULL PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                models TEXT NOT NULL,
                rpm INTEGER,
                tpm INTEGER,
                max_parallel INTEGER,
                budget_usd TEXT,
                budget_period TEXT NOT NULL,
                metadata TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE TABLE audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                time INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                details TEXT NOT NULL
            );
            """),
        // The usage ledger (SqliteUsageStore), one row per UsageRecord; cost_pusd in 10^-12 USD. The indexes serve a
        // report's time range and restoring budgets per key and per team since a period's start.
        new(5, """
            CREATE TABLE usage (
                time INTEGER NOT NULL,
                key_id TEXT NOT NULL,
                key_name TEXT NOT NULL,
                team_id TEXT,
                model TEXT NOT NULL,
                provider TEXT,
                deployment_model TEXT,
                dialect TEXT NOT NULL,
                status INTEGER NOT NULL,
                error_class TEXT,
                input_tokens INTEGER NOT NULL,
                output_tokens INTEGER NOT NULL,
                cached_input_tokens INTEGER NOT NULL,
                cache_write_tokens INTEGER NOT NULL,
                reasoning_tokens INTEGER NOT NULL,
                cost_pusd INTEGER NOT NULL,
                estimated INTEGER NOT NULL,
                latency_ms REAL NOT NULL,
                time_to_first_token_ms REAL,
                overhead_ms REAL NOT NULL,
                attempts INTEGER NOT NULL,
                client_disconnected INTEGER NOT NULL,
                stream INTEGER NOT NULL
            );
            CREATE INDEX usage_time ON usage (time);
            CREATE INDEX usage_key_id_time ON usage (key_id, time);
            CREATE INDEX usage_team_id_time ON usage (team_id, time);
            """),
        // No query reads the team index (team budgets are restored through the time index), and every ledger insert paid
        // for it: about a fifth of a batch's time.
        new(6, "DROP INDEX usage_team_id_time;"),
    ];

    /// <summary>
    /// Brings the file behind <paramref name="connection"/> to the last of <paramref name="migrations"/> (by default
    /// <see cref="Migrations"/>) and returns how many steps ran: 0 for a file already up to date. Throws
    /// <see cref="StorageException"/> for a file of a newer schema or of another program.
    /// </summary>
    public static int Migrate(SqliteConnection connection, string path, IReadOnlyList<SqlMigration>? migrations = null)
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
