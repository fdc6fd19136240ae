namespace LlmProxy.Storage;

/// <summary>
/// Where responses of the Responses API are kept. Every read and delete is scoped to an owner (the client key's
/// name): another owner's response is absent, exactly as an unknown one. Implementations are safe for concurrent use.
/// </summary>
internal interface IResponseStore
{
    /// <summary>
    /// Inserts or replaces <paramref name="response"/> by id in one transaction; it is durable when the task completes.
    /// A row of another owner with the same id is left as it is and the save fails (<see cref="StorageException"/>).
    /// </summary>
    Task SaveAsync(StoredResponse response, CancellationToken cancellationToken);

    /// <summary>
    /// The response <paramref name="id"/> of <paramref name="owner"/>, without its <see cref="StoredResponse.Events"/>;
    /// null when absent, expired, deleted or another owner's.
    /// </summary>
    Task<StoredResponse?> FindAsync(string id, string owner, CancellationToken cancellationToken);

    /// <summary>
    /// How many bytes reading the response <paramref name="id"/> of <paramref name="owner"/> loads: its Response and input
    /// items (<paramref name="withEvents"/>: and its events); null when it is not there. Read without loading them.
    /// </summary>
    Task<long?> SizeAsync(string id, string owner, bool withEvents, CancellationToken cancellationToken);

    /// <summary>The events of the background response <paramref name="id"/> of <paramref name="owner"/>; null when it has none or is not there.</summary>
    Task<byte[]?> FindEventsAsync(string id, string owner, CancellationToken cancellationToken);

    /// <summary>Deletes the response <paramref name="id"/> of <paramref name="owner"/>; false when there was none to delete.</summary>
    Task<bool> DeleteAsync(string id, string owner, CancellationToken cancellationToken);

    /// <summary>Removes every response whose <see cref="StoredResponse.ExpiresAt"/> is at or before <paramref name="nowUnixSeconds"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(long nowUnixSeconds, CancellationToken cancellationToken);

    /// <summary>
    /// The secret named <paramref name="name"/>, created with <paramref name="create"/> and kept on first use; every
    /// caller, concurrent or after a restart, gets the same bytes.
    /// </summary>
    Task<byte[]> GetOrCreateSecretAsync(string name, Func<byte[]> create, CancellationToken cancellationToken);
}
