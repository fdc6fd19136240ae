namespace LlmProxy.Storage;

/// <summary>
/// Stored keys, their secrets' hashes, teams and the audit log. Every change is one transaction together with its
/// <see cref="AuditEntry"/>: it is applied whole with its audit row, or not at all. Names are unique among keys and
/// among teams (case-sensitive). A change that returns false (no such id) or throws wrote nothing, audit row included.
/// Implementations are safe for concurrent use; every write is durable when its task completes.
/// </summary>
internal interface IAccessStore
{
    /// <summary>All keys, secrets (expired ones included: the caller checks <see cref="StoredSecret.ExpiresAt"/>) and teams.</summary>
    Task<AccessState> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Inserts <paramref name="key"/> with its one <paramref name="secret"/>. Throws <see cref="StorageConflictException"/>
    /// (field <c>name</c>) when the name is taken, (field <c>team</c>) when <see cref="StoredKey.TeamId"/> names no team.
    /// </summary>
    Task CreateKeyAsync(StoredKey key, StoredSecret secret, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the key with <paramref name="key"/>'s id, every field (pass the stored <see cref="StoredKey.CreatedAt"/> on);
    /// its secrets are untouched; false when there is none. Conflicts as in
    /// <see cref="CreateKeyAsync"/>.
    /// </summary>
    Task<bool> UpdateKeyAsync(StoredKey key, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>
    /// Rotation, in one transaction with its audit row: every secret of <paramref name="key"/> that would outlive
    /// <paramref name="oldSecretsExpireAt"/> (Unix seconds) now expires then, <paramref name="secret"/> is added, and the
    /// key's <see cref="StoredKey.Prefix"/> and <see cref="StoredKey.UpdatedAt"/> become <paramref name="key"/>'s (its
    /// other fields are left as stored); false when there is no such key.
    /// </summary>
    Task<bool> RotateKeyAsync(StoredKey key, StoredSecret secret, long oldSecretsExpireAt, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Deletes the key <paramref name="keyId"/> and its secrets; false when there was none.</summary>
    Task<bool> DeleteKeyAsync(string keyId, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Inserts <paramref name="team"/>. Throws <see cref="StorageConflictException"/> (field <c>name</c>) when the name is taken.</summary>
    Task CreateTeamAsync(StoredTeam team, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Replaces the team with <paramref name="team"/>'s id; false when there is none. Name conflicts as in <see cref="CreateTeamAsync"/>.</summary>
    Task<bool> UpdateTeamAsync(StoredTeam team, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the team <paramref name="teamId"/>; false when there was none. Throws <see cref="StorageConflictException"/>
    /// (field <c>team</c>) while keys still belong to it.
    /// </summary>
    Task<bool> DeleteTeamAsync(string teamId, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> audit entries, newest first, with ids below <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditAsync(long? beforeId, int limit, CancellationToken cancellationToken);

    /// <summary>Removes secrets that expired at or before <paramref name="nowUnixSeconds"/>; returns how many.</summary>
    Task<int> DeleteExpiredSecretsAsync(long nowUnixSeconds, CancellationToken cancellationToken);
}
