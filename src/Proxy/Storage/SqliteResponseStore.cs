using Microsoft.Data.Sqlite;

namespace LlmProxy.Storage;

/// <summary>
/// <see cref="IResponseStore"/> in the <c>responses</c> and <c>secrets</c> tables of a <see cref="SqliteDatabase"/>
/// (durability, threads and the write gate are the database's). Every write is one transaction.
/// </summary>
internal sealed class SqliteResponseStore : IResponseStore, IDisposable
{
    // Expired rows are deleted in batches, each its own transaction, so other writes get the write lock between batches.
    private const int DeleteBatch = 500;

    private const string Columns = "created_at, expires_at, status, previous_response_id, response, input_items, native_provider, events";

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly bool _ownsDatabase;

    /// <summary>A store over <paramref name="database"/>, which it shares and does not dispose.</summary>
    public SqliteResponseStore(SqliteDatabase database, TimeProvider time)
        : this(database, time, ownsDatabase: false)
    {
    }

    private SqliteResponseStore(SqliteDatabase database, TimeProvider time, bool ownsDatabase)
    {
        _database = database;
        _time = time;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>
    /// Opens the database at <paramref name="path"/> (<see cref="SqliteDatabase.Open"/>) for this store alone: disposing
    /// the store closes it. Throws <see cref="StorageException"/>, one line naming the file, when it cannot be used.
    /// </summary>
    public static SqliteResponseStore Open(string path, TimeProvider time) => new(SqliteDatabase.Open(path), time, ownsDatabase: true);

    public Task SaveAsync(StoredResponse response, CancellationToken cancellationToken) =>
        _database.WriteAsync(connection =>
        {
            // One statement in autocommit mode is one transaction.
            using var command = connection.CreateCommand();
            // A row of another owner is never replaced: ids the proxy mints do not collide, but a provider's (a native
            // answer's id) might be reused by a server that restarts its counter.
            command.CommandText = $"""
                INSERT INTO responses (id, owner, {Columns})
                VALUES ($id, $owner, $created_at, $expires_at, $status, $previous_response_id, $response, $input_items, $native_provider, $events)
                ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at, status = excluded.status,
                    previous_response_id = excluded.previous_response_id, response = excluded.response, input_items = excluded.input_items,
                    native_provider = excluded.native_provider, events = excluded.events
                WHERE responses.owner = excluded.owner
                """;
            command.Parameters.Add("$id", SqliteType.Text).Value = response.Id;
            command.Parameters.Add("$owner", SqliteType.Text).Value = response.Owner;
            command.Parameters.Add("$created_at", SqliteType.Integer).Value = response.CreatedAt;
            command.Parameters.Add("$expires_at", SqliteType.Integer).Value = response.ExpiresAt;
            command.Parameters.Add("$status", SqliteType.Text).Value = response.Status;
            command.Parameters.Add("$previous_response_id", SqliteType.Text).Value = (object?)response.PreviousResponseId ?? DBNull.Value;
            command.Parameters.Add("$response", SqliteType.Blob).Value = response.Response;
            command.Parameters.Add("$input_items", SqliteType.Blob).Value = response.InputItems;
            command.Parameters.Add("$native_provider", SqliteType.Text).Value = (object?)response.NativeProvider ?? DBNull.Value;
            command.Parameters.Add("$events", SqliteType.Blob).Value = (object?)response.Events ?? DBNull.Value;
            return command.ExecuteNonQuery() == 1 ? 1
                : throw new StorageException($"response '{response.Id}' belongs to another owner; it was not replaced");
        }, cancellationToken);

    public Task<StoredResponse?> FindAsync(string id, string owner, CancellationToken cancellationToken)
    {
        var now = Now();
        return _database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            // Not the events: only a replay reads them (FindEventsAsync), and they are a background response's largest part.
            command.CommandText = "SELECT created_at, expires_at, status, previous_response_id, response, input_items, native_provider"
                + " FROM responses WHERE id = $id AND owner = $owner AND expires_at > $now";
            command.Parameters.Add("$id", SqliteType.Text).Value = id;
            command.Parameters.Add("$owner", SqliteType.Text).Value = owner;
            command.Parameters.Add("$now", SqliteType.Integer).Value = now;
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new StoredResponse(id, owner, reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<byte[]>(5))
                {
                    NativeProvider = reader.IsDBNull(6) ? null : reader.GetString(6),
                }
                : null;
        }, cancellationToken);
    }

    // length() of a blob is read from its record header: the blob itself is not loaded.
    public Task<long?> SizeAsync(string id, string owner, bool withEvents, CancellationToken cancellationToken)
    {
        var now = Now();
        return _database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = withEvents
                ? "SELECT length(response) + length(input_items) + coalesce(length(events), 0) FROM responses WHERE id = $id AND owner = $owner AND expires_at > $now"
                : "SELECT length(response) + length(input_items) FROM responses WHERE id = $id AND owner = $owner AND expires_at > $now";
            command.Parameters.Add("$id", SqliteType.Text).Value = id;
            command.Parameters.Add("$owner", SqliteType.Text).Value = owner;
            command.Parameters.Add("$now", SqliteType.Integer).Value = now;
            using var reader = command.ExecuteReader();
            return reader.Read() ? reader.GetInt64(0) : (long?)null;
        }, cancellationToken);
    }

    public Task<byte[]?> FindEventsAsync(string id, string owner, CancellationToken cancellationToken)
    {
        var now = Now();
        return _database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT events FROM responses WHERE id = $id AND owner = $owner AND expires_at > $now";
            command.Parameters.Add("$id", SqliteType.Text).Value = id;
            command.Parameters.Add("$owner", SqliteType.Text).Value = owner;
            command.Parameters.Add("$now", SqliteType.Integer).Value = now;
            using var reader = command.ExecuteReader();
            return reader.Read() && !reader.IsDBNull(0) ? reader.GetFieldValue<byte[]>(0) : null;
        }, cancellationToken);
    }

    public Task<bool> DeleteAsync(string id, string owner, CancellationToken cancellationToken)
    {
        var now = Now();
        // An expired row is already absent to its owner, so it is not "deleted" here either; retention removes it.
        return _database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM responses WHERE id = $id AND owner = $owner AND expires_at > $now";
            command.Parameters.Add("$id", SqliteType.Text).Value = id;
            command.Parameters.Add("$owner", SqliteType.Text).Value = owner;
            command.Parameters.Add("$now", SqliteType.Integer).Value = now;
            return command.ExecuteNonQuery() > 0;
        }, cancellationToken);
    }

    public async Task<int> DeleteExpiredAsync(long nowUnixSeconds, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var deleted = await _database.WriteAsync(connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses WHERE expires_at <= $now LIMIT $batch)";
                command.Parameters.Add("$now", SqliteType.Integer).Value = nowUnixSeconds;
                command.Parameters.Add("$batch", SqliteType.Integer).Value = DeleteBatch;
                return command.ExecuteNonQuery();
            }, cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < DeleteBatch)
            {
                return total;
            }
        }
    }

    public async Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken)
    {
        if (await _database.ReadAsync(connection => ReadSecret(connection, name), cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }
        var candidate = create();
        // The first writer's bytes win: INSERT OR IGNORE and the read back share one transaction, so a concurrent caller
        // (here or in another process) either inserted first and we read theirs, or waits and reads ours.
        return await _database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var insert = connection.CreateCommand())
            {
                insert.CommandText = "INSERT OR IGNORE INTO secrets (name, value) VALUES ($name, $value)";
                insert.Parameters.Add("$name", SqliteType.Text).Value = name;
                insert.Parameters.Add("$value", SqliteType.Blob).Value = candidate;
                insert.ExecuteNonQuery();
            }
            var value = ReadSecret(connection, name)!;
            transaction.Commit();
            return value;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the database when the store opened it (<see cref="Open"/>); a shared one is left to its owner.</summary>
    public void Dispose()
    {
        if (_ownsDatabase)
        {
            _database.Dispose();
        }
    }

    private static byte[]? ReadSecret(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM secrets WHERE name = $name";
        command.Parameters.Add("$name", SqliteType.Text).Value = name;
        return command.ExecuteScalar() as byte[];
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();
}
