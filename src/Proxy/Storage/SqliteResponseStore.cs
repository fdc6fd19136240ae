using Microsoft.Data.Sqlite;

namespace LlmProxy.Storage;

/// <summary>
/// <see cref="IResponseStore"/> in one SQLite file (https://www.sqlite.org/wal.html).
/// <list type="bullet">
/// <item>Journal mode WAL with <c>synchronous=FULL</c>: every commit fsyncs the WAL before it returns, so a saved
/// response survives a power cut. (NORMAL with WAL is consistent but may lose the last commits on power loss, which
/// would break "durable when the task completes".) Readers never wait for the writer.</item>
/// <item>Every write is one SQLite transaction: a crash or power cut mid-write leaves the whole old row or the whole
/// new one, never a mix; that is SQLite's atomic commit (https://www.sqlite.org/atomiccommit.html).</item>
/// <item>Threads: Microsoft.Data.Sqlite's async methods run synchronously, and Kestrel here runs request code inline
/// on its socket threads (ProxyApp), where a blocking fsync would stall every connection. So each call takes a
/// pooled connection on a thread-pool thread (<see cref="Task.Run(Action)"/>). Writes from this process queue on an
/// async gate first (SQLite allows one writer at a time anyway), so waiting writers hold no thread and do not spin in
/// SQLite's busy handler; <c>busy_timeout</c> covers another process on the same file.</item>
/// </list>
/// </summary>
internal sealed class SqliteResponseStore : IResponseStore, IDisposable
{
    // Wait this long for another process's write lock before failing with SQLITE_BUSY.
    private const int BusyTimeoutMs = 10_000;

    // Expired rows are deleted in batches, each its own transaction, so saves get the write lock between batches.
    private const int DeleteBatch = 500;

    private const string Columns = "created_at, expires_at, status, previous_response_id, response, input_items, native_provider, events";

    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private int _disposed;

    private SqliteResponseStore(string path, string connectionString, TimeProvider time)
    {
        Path = path;
        _connectionString = connectionString;
        _time = time;
    }

    /// <summary>The database file, as a full path.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating the file and its folder if missing) and migrates the database at <paramref name="path"/>.
    /// Throws <see cref="StorageException"/>, one line naming the file, when it cannot be used.
    /// </summary>
    public static SqliteResponseStore Open(string path, TimeProvider time)
    {
        SqliteLibrary.Initialize();
        var fullPath = System.IO.Path.GetFullPath(path);
        CreateFolder(fullPath);
        CreatePrivate(fullPath);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        try
        {
            using var connection = Connect(connectionString);
            // Persistent in the file; it cannot change inside a transaction, so it is set before migrating.
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new StorageException($"'{fullPath}' cannot use write-ahead logging (journal mode stays '{mode}'); network file systems do not support it");
            }
            SqliteSchema.Migrate(connection, fullPath);
        }
        catch (StorageException)
        {
            ClearPool(connectionString);
            throw;
        }
        catch (SqliteException e)
        {
            ClearPool(connectionString);
            throw new StorageException(Describe(fullPath, e), e);
        }
        return new SqliteResponseStore(fullPath, connectionString, time);
    }

    // The file holds prompts and answers: a new one is made readable by its owner only, whatever the umask (SQLite gives
    // its -wal and -shm files the database's own mode).
    private static void CreatePrivate(string fullPath)
    {
        if (OperatingSystem.IsWindows() || File.Exists(fullPath) || Directory.Exists(fullPath))
        {
            return;
        }
        try
        {
            using var created = new FileStream(fullPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException)
        {
            // Created meanwhile by another instance, or the folder refuses: SQLite's own open says what is wrong.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public Task SaveAsync(StoredResponse response, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
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
        return ReadAsync(connection =>
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
        return ReadAsync(connection =>
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
        return ReadAsync(connection =>
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
        return WriteAsync(connection =>
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
            var deleted = await WriteAsync(connection =>
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
        if (await ReadAsync(connection => ReadSecret(connection, name), cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }
        var candidate = create();
        // The first writer's bytes win: INSERT OR IGNORE and the read back share one transaction, so a concurrent caller
        // (here or in another process) either inserted first and we read theirs, or waits and reads ours.
        return await WriteAsync(connection =>
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

    /// <summary>Closes the pooled connections; the last close checkpoints the WAL into the file and removes it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ClearPool(_connectionString);
        }
    }

    private static byte[]? ReadSecret(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM secrets WHERE name = $name";
        command.Parameters.Add("$name", SqliteType.Text).Value = name;
        return command.ExecuteScalar() as byte[];
    }

    private Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Task.Run(() =>
        {
            using var connection = Connect(_connectionString);
            return work(connection);
        }, cancellationToken);
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReadAsync(work, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writes.Release();
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    // A pooled connection keeps its settings, but one cannot tell a fresh one from a reused one: set them every time
    // (a few microseconds). synchronous and busy_timeout are per connection, not stored in the file.
    private static SqliteConnection Connect(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {BusyTimeoutMs};";
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void ClearPool(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private static void CreateFolder(string fullPath)
    {
        var folder = System.IO.Path.GetDirectoryName(fullPath);
        try
        {
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException($"cannot create the folder '{folder}' for the database: {e.Message}", e);
        }
    }

    // SQLite's primary result codes: https://www.sqlite.org/rescode.html
    private static string Describe(string path, SqliteException e) => e.SqliteErrorCode switch
    {
        26 => $"'{path}' is not a SQLite database (SQLITE_NOTADB); move it away or point storage.path elsewhere",
        11 => $"'{path}' is a corrupt SQLite database (SQLITE_CORRUPT): {e.Message}",
        14 => $"cannot open '{path}' (SQLITE_CANTOPEN): is it a folder, or may the proxy not write to it and its folder?",
        8 => $"'{path}' or its folder is read-only (SQLITE_READONLY): the proxy must be able to write both",
        _ => $"cannot open '{path}': {e.Message}",
    };
}
