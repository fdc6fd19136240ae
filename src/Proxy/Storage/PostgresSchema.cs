using Npgsql;

namespace LlmProxy.Storage;

/// <summary>
/// The PostgreSQL schema: SQLite's tables (<see cref="SqliteSchema"/>) in PostgreSQL's types, in the connection's
/// <c>search_path</c> schema (<c>public</c> unless the connection string says <c>Search Path=...</c>). A database's
/// version is the highest in its <c>llm_proxy_schema</c> table. Instances starting together migrate one at a time:
/// each holds a session advisory lock (<see cref="LockId"/>) while it reads the version and runs what is missing, each
/// step in its own transaction with its version row, so a crash mid-migration leaves the last whole step. Steps are
/// only ever appended.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The advisory lock's key, "LLMP" as SQLite's <c>application_id</c> (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).</summary>
    public const long LockId = SqliteSchema.ApplicationId;

    /// <summary>
    /// Version 1 is SQLite's version 6. Integers are <c>bigint</c> (Unix times, tokens, 10^-12 USD) but a key's or
    /// team's limits (<c>integer</c>, as their config); money the decimal's invariant digits, as in SQLite, so both
    /// stores read it back to the same scale; booleans <c>boolean</c>; blobs <c>bytea</c>. No foreign keys, as in SQLite.
    /// </summary>
    public static readonly SqlMigration[] Migrations =
    [
        new(1, """
            CREATE TABLE responses (
                id text NOT NULL PRIMARY KEY,
                owner text NOT NULL,
                created_at bigint NOT NULL,
                expires_at bigint NOT NULL,
                status text NOT NULL,
                previous_response_id text,
                response bytea NOT NULL,
                input_items bytea NOT NULL,
                native_provider text,
                events bytea
            );
            CREATE INDEX responses_expires_at ON responses (expires_at);
            CREATE TABLE secrets (
                name text NOT NULL PRIMARY KEY,
                value bytea NOT NULL
            );
            CREATE TABLE keys (
                id text NOT NULL PRIMARY KEY,
                name text NOT NULL UNIQUE,
                team_id text,
                models text NOT NULL,
                rpm integer,
                tpm integer,
                max_parallel integer,
                budget_usd text,
                budget_period text NOT NULL,
                expires_at bigint,
                metadata text,
                prefix text NOT NULL,
                revoked boolean NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            );
            CREATE INDEX keys_team_id ON keys (team_id);
            CREATE TABLE key_secrets (
                hash bytea NOT NULL PRIMARY KEY,
                key_id text NOT NULL,
                expires_at bigint
            );
            CREATE INDEX key_secrets_key_id ON key_secrets (key_id);
            CREATE TABLE teams (
                id text NOT NULL PRIMARY KEY,
                name text NOT NULL UNIQUE,
                models text NOT NULL,
                rpm integer,
                tpm integer,
                max_parallel integer,
                budget_usd text,
                budget_period text NOT NULL,
                metadata text,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL
            );
            CREATE TABLE audit (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time bigint NOT NULL,
                actor text NOT NULL,
                action text NOT NULL,
                target text NOT NULL,
                details text NOT NULL
            );
            CREATE TABLE usage (
                time bigint NOT NULL,
                key_id text NOT NULL,
                key_name text NOT NULL,
                team_id text,
                model text NOT NULL,
                provider text,
                deployment_model text,
                dialect text NOT NULL,
                status integer NOT NULL,
                error_class text,
                input_tokens bigint NOT NULL,
                output_tokens bigint NOT NULL,
                cached_input_tokens bigint NOT NULL,
                cache_write_tokens bigint NOT NULL,
                reasoning_tokens bigint NOT NULL,
                cost_pusd bigint NOT NULL,
                estimated boolean NOT NULL,
                latency_ms double precision NOT NULL,
                time_to_first_token_ms double precision,
                overhead_ms double precision NOT NULL,
                attempts integer NOT NULL,
                client_disconnected boolean NOT NULL,
                stream boolean NOT NULL
            );
            CREATE INDEX usage_time ON usage (time);
            CREATE INDEX usage_key_id_time ON usage (key_id, time);
            """),
        // The usage ledger's batches written in the last day, by id: a retried batch that landed is not written again.
        new(2, """
            CREATE TABLE usage_batch (
                id text NOT NULL PRIMARY KEY,
                written_at bigint NOT NULL
            );
            CREATE INDEX usage_batch_written_at ON usage_batch (written_at);
            """),
    ];

    /// <summary>
    /// Brings the database behind <paramref name="connection"/> to the last of <paramref name="migrations"/> (by default
    /// <see cref="Migrations"/>) and returns how many steps ran. Throws <see cref="StorageException"/> naming
    /// <paramref name="where"/> for a database of a newer schema, or one whose tables clash with these.
    /// </summary>
    public static int Migrate(NpgsqlConnection connection, string where, IReadOnlyList<SqlMigration>? migrations = null)
    {
        migrations ??= Migrations;
        var latest = migrations[^1].Version;
        Execute(connection, $"SELECT pg_advisory_lock({LockId})");
        try
        {
            Execute(connection, "CREATE TABLE IF NOT EXISTS llm_proxy_schema (version integer NOT NULL PRIMARY KEY, applied_at bigint NOT NULL)");
            var version = Convert.ToInt32(Scalar(connection, "SELECT coalesce(max(version), 0) FROM llm_proxy_schema"), System.Globalization.CultureInfo.InvariantCulture);
            if (version > latest)
            {
                throw new StorageException($"{where} has schema version {version}, written by a newer llm-proxy; this one knows up to {latest} " +
                    "and will not use it (run the newer llm-proxy, or point storage.connectionString elsewhere)");
            }
            var applied = 0;
            foreach (var step in migrations)
            {
                if (step.Version <= version)
                {
                    continue;
                }
                using var transaction = connection.BeginTransaction();
                try
                {
                    Execute(connection, step.Sql);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateTable)
                {
                    throw new StorageException($"{where} already has a table llm-proxy would create ({e.MessageText}); give llm-proxy a database or schema of its own", e);
                }
                Execute(connection, $"INSERT INTO llm_proxy_schema (version, applied_at) VALUES ({step.Version}, {DateTimeOffset.UtcNow.ToUnixTimeSeconds()})");
                transaction.Commit();
                applied++;
            }
            return applied;
        }
        finally
        {
            // A broken connection has lost the lock with its session anyway.
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                Execute(connection, $"SELECT pg_advisory_unlock({LockId})");
            }
        }
    }

    private static object? Scalar(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
