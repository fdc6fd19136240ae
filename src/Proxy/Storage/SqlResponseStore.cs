using System.Data.Common;

namespace LlmProxy.Storage;

/// <summary>
/// <see cref="IResponseStore"/> in the <c>responses</c> and <c>secrets</c> tables of a <see cref="SqlDatabase"/> (SQLite
/// or PostgreSQL; durability and threads are the database's), which it shares and does not dispose. Every write is one
/// transaction.
/// </summary>
internal sealed class SqlResponseStore(SqlDatabase database, TimeProvider time) : IResponseStore
{
    // Expired rows are deleted in batches, each its own transaction, so other writes get the write lock between batches.
    private const int DeleteBatch = 500;

    private const string Columns = "created_at, expires_at, status, previous_response_id, response, input_items, native_provider, events";

    public Task SaveAsync(StoredResponse response, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            // One statement in autocommit mode is one transaction.
            using var command = connection.CreateCommand();
            // A row of another owner is never replaced: ids the proxy mints do not collide, but a provider's (a native
            // answer's id) might be reused by a server that restarts its counter.
            command.CommandText = $"""
                INSERT INTO responses (id, owner, {Columns})
                VALUES (@id, @owner, @created_at, @expires_at, @status, @previous_response_id, @response, @input_items, @native_provider, @events)
                ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at, status = excluded.status,
                    previous_response_id = excluded.previous_response_id, response = excluded.response, input_items = excluded.input_items,
                    native_provider = excluded.native_provider, events = excluded.events
                WHERE responses.owner = excluded.owner
                """;
            command.Bind("@id", response.Id);
            command.Bind("@owner", response.Owner);
            command.Bind("@created_at", response.CreatedAt);
            command.Bind("@expires_at", response.ExpiresAt);
            command.Bind("@status", response.Status);
            command.Bind("@previous_response_id", response.PreviousResponseId);
            command.Bind("@response", response.Response);
            command.Bind("@input_items", response.InputItems);
            command.Bind("@native_provider", response.NativeProvider);
            command.Bind("@events", response.Events);
            return command.ExecuteNonQuery() == 1 ? 1
                : throw new StorageException($"response '{response.Id}' belongs to another owner; it was not replaced");
        }, cancellationToken);

    public Task<StoredResponse?> FindAsync(string id, string owner, CancellationToken cancellationToken)
    {
        var now = Now();
        return database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            // Not the events: only a replay reads them (FindEventsAsync), and they are a background response's largest part.
            command.CommandText = "SELECT created_at, expires_at, status, previous_response_id, response, input_items, native_provider"
                + " FROM responses WHERE id = @id AND owner = @owner AND expires_at > @now";
            command.Bind("@id", id);
            command.Bind("@owner", owner);
            command.Bind("@now", now);
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

    // A blob's length is read from its record header (SQLite) or its TOAST pointer (PostgreSQL): the blob itself is not loaded.
    // CAST: PostgreSQL's octet_length is an integer, and the sum a bigint only once one side is.
    public Task<long?> SizeAsync(string id, string owner, bool withEvents, CancellationToken cancellationToken)
    {
        var now = Now();
        return database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = withEvents
                ? $"SELECT CAST({Length}(response) AS bigint) + {Length}(input_items) + coalesce({Length}(events), 0) FROM responses WHERE id = @id AND owner = @owner AND expires_at > @now"
                : $"SELECT CAST({Length}(response) AS bigint) + {Length}(input_items) FROM responses WHERE id = @id AND owner = @owner AND expires_at > @now";
            command.Bind("@id", id);
            command.Bind("@owner", owner);
            command.Bind("@now", now);
            using var reader = command.ExecuteReader();
            return reader.Read() ? reader.GetInt64(0) : (long?)null;
        }, cancellationToken);
    }

    public Task<byte[]?> FindEventsAsync(string id, string owner, CancellationToken cancellationToken)
    {
        var now = Now();
        return database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT events FROM responses WHERE id = @id AND owner = @owner AND expires_at > @now";
            command.Bind("@id", id);
            command.Bind("@owner", owner);
            command.Bind("@now", now);
            using var reader = command.ExecuteReader();
            return reader.Read() && !reader.IsDBNull(0) ? reader.GetFieldValue<byte[]>(0) : null;
        }, cancellationToken);
    }

    public Task<bool> DeleteAsync(string id, string owner, CancellationToken cancellationToken)
    {
        var now = Now();
        // An expired row is already absent to its owner, so it is not "deleted" here either; retention removes it.
        return database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM responses WHERE id = @id AND owner = @owner AND expires_at > @now";
            command.Bind("@id", id);
            command.Bind("@owner", owner);
            command.Bind("@now", now);
            return command.ExecuteNonQuery() > 0;
        }, cancellationToken);
    }

    public async Task<int> DeleteExpiredAsync(long nowUnixSeconds, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var deleted = await database.WriteAsync(connection =>
            {
                using var command = connection.CreateCommand();
                command.CommandText = "DELETE FROM responses WHERE id IN (SELECT id FROM responses WHERE expires_at <= @now LIMIT @batch)";
                command.Bind("@now", nowUnixSeconds);
                command.Bind("@batch", DeleteBatch);
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
        if (await database.ReadAsync(connection => ReadSecret(connection, name), cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }
        var candidate = create();
        // The first writer's bytes win: a concurrent caller (here or in another process) either inserted first and we read
        // theirs, or it waits for our transaction and reads ours (SQLite: the write lock; PostgreSQL: the unique index).
        return await database.WriteAsync(connection =>
        {
            using var transaction = database.BeginWrite(connection);
            using (var insert = connection.CreateCommand())
            {
                insert.CommandText = "INSERT INTO secrets (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING";
                insert.Bind("@name", name);
                insert.Bind("@value", candidate);
                insert.ExecuteNonQuery();
            }
            var value = ReadSecret(connection, name)!;
            transaction.Commit();
            return value;
        }, cancellationToken).ConfigureAwait(false);
    }

    private string Length => database.ByteLength;

    private static byte[]? ReadSecret(DbConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM secrets WHERE name = @name";
        command.Bind("@name", name);
        return command.ExecuteScalar() as byte[];
    }

    private long Now() => time.GetUtcNow().ToUnixTimeSeconds();
}
