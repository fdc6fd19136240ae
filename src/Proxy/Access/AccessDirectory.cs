using LlmProxy.Config;
using LlmProxy.Storage;

namespace LlmProxy.Access;

/// <summary>
/// Every key and team the proxy serves, in memory: the config file's keys and the admin API's stored ones, found by
/// the SHA-256 of the presented secret in O(1) and without a database read. An admin change goes through
/// <see cref="ChangeAsync{T}"/>, which writes the store and then swaps in a snapshot reloaded from it, so the next
/// request sees it. Reads never lock: they use whichever snapshot is current.
/// </summary>
internal sealed class AccessDirectory
{
    private readonly ClientKey[] _configKeys;
    private readonly (SecretHash Hash, ClientKey Key)[] _configSecrets;
    private readonly SemaphoreSlim _changes = new(1, 1);
    private volatile Snapshot _snapshot;

    public AccessDirectory(IReadOnlyList<KeyConfig> configKeys)
    {
        _configKeys = new ClientKey[configKeys.Count];
        _configSecrets = new (SecretHash, ClientKey)[configKeys.Count];
        for (var i = 0; i < configKeys.Count; i++)
        {
            _configKeys[i] = ClientKey.FromConfig(configKeys[i]);
            _configSecrets[i] = (SecretHash.Of(configKeys[i].Key), _configKeys[i]);
        }
        _snapshot = Build(new AccessState([], [], []));
    }

    /// <summary>The config file's keys first, in file order, then the stored keys in the store's order.</summary>
    public IReadOnlyList<ClientKey> Keys => _snapshot.Keys;

    /// <summary>The stored teams, in the store's order.</summary>
    public IReadOnlyList<Team> Teams => _snapshot.Teams;

    /// <summary>
    /// The key whose secret is <paramref name="presented"/>; null for an unknown secret, or a rotated-out one whose
    /// grace period ended at or before <paramref name="nowUnixSeconds"/>. An expired or revoked key is returned: the
    /// caller says which it is.
    /// </summary>
    public ClientKey? Find(ReadOnlySpan<char> presented, long nowUnixSeconds)
    {
        if (presented.IsEmpty || presented.Length > SecretHash.MaxSecretChars)
        {
            return null;
        }
        return _snapshot.Secrets.TryGetValue(SecretHash.Of(presented), out var entry) && (entry.ExpiresAt is not { } end || end > nowUnixSeconds)
            ? entry.Key
            : null;
    }

    /// <summary>The key with id <paramref name="id"/> (<c>key_...</c>, or <c>cfg-NAME</c> for the config file's); null when none.</summary>
    public ClientKey? FindKey(string id) => _snapshot.KeysById.GetValueOrDefault(id);

    /// <summary>The team with id <paramref name="id"/>; null when none.</summary>
    public Team? FindTeam(string id) => _snapshot.TeamsById.GetValueOrDefault(id);

    /// <summary>Replaces the stored keys and teams with <paramref name="state"/> (the config file's keys stay).</summary>
    public void Load(AccessState state) => _snapshot = Build(state);

    /// <summary>
    /// Called after an admin change with the keys and teams it gave a budget or a new budget period, so their spend can
    /// be restored from the ledger: a budget set on a key that has already spent counts what it spent.
    /// </summary>
    public Func<IReadOnlyList<ClientKey>, IReadOnlyList<Team>, CancellationToken, Task>? BudgetsChanged { get; set; }

    /// <summary>Called after an admin change with the id of each key and team it deleted, so their counters can go.</summary>
    public Action<string>? Removed { get; set; }

    /// <summary>
    /// Runs one admin <paramref name="write"/> against <paramref name="store"/> and then reloads from it, one change at a
    /// time: two concurrent changes cannot swap in a snapshot older than either. The write's exceptions pass through
    /// (the snapshot is then reloaded all the same, harmlessly).
    /// </summary>
    public async Task<T> ChangeAsync<T>(IAccessStore store, Func<Task<T>> write, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            var before = _snapshot;
            try
            {
                return await write();
            }
            finally
            {
                Load(await store.LoadAsync(CancellationToken.None));
                if (Removed is { } remove)
                {
                    RemovedIds(before.KeysById, _snapshot.KeysById, remove);
                    RemovedIds(before.TeamsById, _snapshot.TeamsById, remove);
                }
                if (BudgetsChanged is { } restore)
                {
                    await restore(Changed(before.KeysById, _snapshot.Keys, k => k.Id, k => k.Limits),
                        Changed(before.TeamsById, _snapshot.Teams, t => t.Id, t => t.Limits),
                        CancellationToken.None);
                }
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    private static void RemovedIds<T>(Dictionary<string, T> before, Dictionary<string, T> after, Action<string> remove)
    {
        foreach (var id in before.Keys)
        {
            if (!after.ContainsKey(id))
            {
                remove(id);
            }
        }
    }

    // A budget that is new, or counts over another period now: its spend so far is not in the limiter's counters. A
    // budget whose amount alone changed keeps its counters, which are ahead of the ledger by what is still queued.
    private static List<T> Changed<T>(Dictionary<string, T> before, IReadOnlyList<T> after, Func<T, string> id, Func<T, AccessLimits> limits)
    {
        var changed = new List<T>();
        foreach (var item in after)
        {
            var now = limits(item);
            if (now.BudgetUsd is not null
                && (!before.TryGetValue(id(item), out var old) || limits(old).BudgetUsd is null || limits(old).BudgetPeriod != now.BudgetPeriod))
            {
                changed.Add(item);
            }
        }
        return changed;
    }

    private Snapshot Build(AccessState state)
    {
        var teamsById = new Dictionary<string, Team>(StringComparer.Ordinal);
        var teams = new Team[state.Teams.Count];
        for (var i = 0; i < teams.Length; i++)
        {
            teams[i] = new Team(state.Teams[i]);
            teamsById[teams[i].Id] = teams[i];
        }
        var keys = new List<ClientKey>(_configKeys.Length + state.Keys.Count);
        var keysById = new Dictionary<string, ClientKey>(StringComparer.Ordinal);
        var secrets = new Dictionary<SecretHash, (ClientKey, long?)>(_configSecrets.Length + state.Secrets.Count);
        foreach (var key in _configKeys)
        {
            keys.Add(key);
            keysById[key.Id] = key;
        }
        foreach (var (hash, key) in _configSecrets)
        {
            secrets[hash] = (key, null);
        }
        foreach (var stored in state.Keys)
        {
            var key = ClientKey.FromStored(stored, stored.TeamId is { } teamId ? teamsById.GetValueOrDefault(teamId) : null);
            keys.Add(key);
            keysById[key.Id] = key;
        }
        foreach (var secret in state.Secrets)
        {
            // A stored secret equal to a config key's cannot happen (256 random bits); the config key keeps it if it did.
            if (keysById.TryGetValue(secret.KeyId, out var key) && !key.FromConfigFile)
            {
                secrets.TryAdd(SecretHash.FromBytes(secret.Hash), (key, secret.ExpiresAt));
            }
        }
        return new Snapshot(keys, keysById, teams, teamsById, secrets);
    }

    private sealed record Snapshot(
        IReadOnlyList<ClientKey> Keys,
        Dictionary<string, ClientKey> KeysById,
        IReadOnlyList<Team> Teams,
        Dictionary<string, Team> TeamsById,
        Dictionary<SecretHash, (ClientKey Key, long? ExpiresAt)> Secrets);
}
