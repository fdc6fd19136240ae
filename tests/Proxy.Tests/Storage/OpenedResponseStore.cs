using LlmProxy.Storage;

namespace LlmProxy.Tests.Storage;

/// <summary>
/// A <see cref="SqlResponseStore"/> with a SQLite database of its own, opened for it and closed with it: a test's
/// stand-in for one proxy process on the file.
/// </summary>
internal sealed class OpenedResponseStore(SqlDatabase database, TimeProvider time) : IResponseStore, IDisposable
{
    private readonly SqlResponseStore _store = new(database, time);

    /// <summary>Opens (creating and migrating) the SQLite file at <paramref name="path"/>.</summary>
    public static OpenedResponseStore Sqlite(string path, TimeProvider? time = null) => new(SqliteDatabase.Open(path), time ?? TimeProvider.System);

    public Task SaveAsync(StoredResponse response, CancellationToken cancellationToken) => _store.SaveAsync(response, cancellationToken);

    public Task<StoredResponse?> FindAsync(string id, string owner, CancellationToken cancellationToken) => _store.FindAsync(id, owner, cancellationToken);

    public Task<long?> SizeAsync(string id, string owner, bool withEvents, CancellationToken cancellationToken) =>
        _store.SizeAsync(id, owner, withEvents, cancellationToken);

    public Task<byte[]?> FindEventsAsync(string id, string owner, CancellationToken cancellationToken) => _store.FindEventsAsync(id, owner, cancellationToken);

    public Task<bool> DeleteAsync(string id, string owner, CancellationToken cancellationToken) => _store.DeleteAsync(id, owner, cancellationToken);

    public Task<int> DeleteExpiredAsync(long nowUnixSeconds, CancellationToken cancellationToken) => _store.DeleteExpiredAsync(nowUnixSeconds, cancellationToken);

    public Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken) =>
        _store.GetOrCreateSecretAsync(name, create, cancellationToken);

    public void Dispose() => database.Dispose();
}
