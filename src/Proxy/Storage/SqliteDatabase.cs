using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace LlmProxy.Storage;

/// <summary>
/// The one SQLite file every SQLite store shares (responses, keys and teams, the audit log, the usage ledger), opened
/// and migrated once (https://www.sqlite.org/wal.html).
/// <list type="bullet">
/// <item>Journal mode WAL with <c>synchronous=FULL</c>: every commit fsyncs the WAL before it returns, so a write
/// survives a power cut. (NORMAL with WAL is consistent but may lose the last commits on power loss, which would break
/// "durable when the task completes".) Readers never wait for the writer.</item>
/// <item>Every write the stores make is one SQLite transaction: a crash or power cut mid-write leaves the whole old
/// state or the whole new one, never a mix; that is SQLite's atomic commit (https://www.sqlite.org/atomiccommit.html).</item>
/// <item>Threads: Microsoft.Data.Sqlite's async methods run synchronously, and Kestrel here runs request code inline
/// on its socket threads (ProxyApp), where a blocking fsync would stall every connection. So each call takes a
/// pooled connection on a thread-pool thread (<see cref="Task.Run(Action)"/>). Writes from this process queue on one
/// async gate first, shared by every store (SQLite allows one writer at a time anyway), so waiting writers hold no
/// thread and do not spin in SQLite's busy handler; <c>busy_timeout</c> covers another process on the same file. The
/// one exception is <see cref="WriteOnCaller{T}"/>, for a thread of its own that may block (the usage ledger's).</item>
/// </list>
/// </summary>
internal sealed class SqliteDatabase : SqlDatabase
{
    // Wait this long for another process's write lock before failing with SQLITE_BUSY.
    private const int BusyTimeoutMs = 10_000;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private int _disposed;

    private SqliteDatabase(string connectionString) => _connectionString = connectionString;

    /// <summary>
    /// Opens (creating the file, owner-only, and its folder if missing) and migrates the database at
    /// <paramref name="path"/> to <see cref="SqliteSchema.Migrations"/>' last version. Throws
    /// <see cref="StorageException"/>, one line naming the file, when it cannot be used.
    /// </summary>
    public static SqliteDatabase Open(string path)
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
        return new SqliteDatabase(connectionString);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection on a thread-pool thread. Throws
    /// <see cref="ObjectDisposedException"/> once the database is disposed.
    /// </summary>
    public override Task<T> ReadAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Task.Run(() =>
        {
            using var connection = Connect(_connectionString);
            return work(connection);
        }, cancellationToken);
    }

    /// <summary>
    /// As <see cref="ReadAsync{T}"/>, after every earlier write of this process has finished: <paramref name="work"/>
    /// opens its own transaction when it runs more than one statement.
    /// </summary>
    public override async Task<T> WriteAsync<T>(Func<DbConnection, T> work, CancellationToken cancellationToken)
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

    /// <summary>
    /// As <see cref="WriteAsync{T}"/>, but synchronous: the calling thread waits for the write turn and runs
    /// <paramref name="work"/> itself. Only for a thread of its own that may block (the usage ledger's writer): handing
    /// its batch to a pool thread and waiting for it kept two threads busy on a core the requests need.
    /// </summary>
    public T WriteOnCaller<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _writes.Wait(cancellationToken);
        try
        {
            using var connection = Connect(_connectionString);
            return work(connection);
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary><c>BEGIN IMMEDIATE</c>: the write lock from the first statement, so no writer changes what this one checked.</summary>
    public override DbTransaction BeginWrite(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);

    /// <summary><c>BEGIN DEFERRED</c>: the snapshot is taken at the first read (WAL), and no lock that would hold writers back.</summary>
    public override DbTransaction BeginSnapshot(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: true);

    /// <summary>Nothing: <see cref="BeginWrite"/>'s lock already covers every row.</summary>
    public override string ForShare => "";

    public override string ForUpdate => "";

    /// <summary>Nothing: SQLite's default collation, BINARY, compares bytes.</summary>
    public override string ByteOrder => "";

    /// <summary><c>length()</c>, which for a blob is its size in bytes.</summary>
    public override string ByteLength => "length";

    public override string UtcDayOf(string unixMsColumn) => $"strftime('%Y-%m-%d', {unixMsColumn} / 1000, 'unixepoch')";

    public override string Unindexed(string column) => "+" + column;

    /// <summary>SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY (https://www.sqlite.org/rescode.html).</summary>
    public override bool IsUniqueViolation(DbException exception) => exception is SqliteException { SqliteExtendedErrorCode: 2067 or 1555 };

    /// <summary>Closes the pooled connections; the last close checkpoints the WAL into the file and removes it.</summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ClearPool(_connectionString);
        }
    }

    // The file holds prompts, answers and key hashes: a new one is made readable by its owner only, whatever the umask
    // (SQLite gives its -wal and -shm files the database's own mode).
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
