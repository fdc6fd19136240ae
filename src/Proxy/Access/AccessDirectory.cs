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
    private readonly SemaphoreSlim _changes = new(1, 1);
    private volatile Snapshot _snapshot;

    public AccessDirectory(IReadOnlyList<KeyConfig> configKeys)
    {
        _snapshot = Build(ConfigKeys.Of(configKeys), new AccessState([], [], []));
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
    public void Load(AccessState state) => _snapshot = Build(_snapshot.Config, state);

    /// <summary>
    /// Called after an admin change with the keys and teams it gave a budget or a new budget period, so their spend can
    /// be restored from the ledger: a budget set on a key that has already spent counts what it spent.
    /// </summary>
    public Func<IReadOnlyList<ClientKey>, IReadOnlyList<Team>, CancellationToken, Task>? BudgetsChanged { get; set; }

    /// <summary>Called after an admin change with the id of each key and team it deleted, so their counters can go.</summary>
    public Action<string>? Removed { get; set; }

    /// <summary>Called after this instance changed the store (an admin write), so other instances on it can reload (<see cref="AccessSignals"/>).</summary>
    public Action? StoreChanged { get; set; }

    /// <summary>
    /// True when other instances change the same store: an admin change then reloads before it reads what it changes,
    /// so that it does not write back another instance's change undone from a copy older than it.
    /// </summary>
    public bool SharedStore { get; set; }

    /// <summary>
    /// Reloads keys and teams from <paramref name="store"/>, which another instance changed, as after a change of this
    /// one's: one at a time with this instance's own changes.
    /// </summary>
    public async Task ReloadAsync(IAccessStore store, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            var before = _snapshot;
            Load(await store.LoadAsync(cancellationToken));
            await ChangedAsync(before);
        }
        finally
        {
            _changes.Release();
        }
    }

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
            if (SharedStore)
            {
                Load(await store.LoadAsync(cancellationToken));
            }
            try
            {
                return await write();
            }
            finally
            {
                // Told first: the others reload from the store whether or not this instance's own reload works.
                StoreChanged?.Invoke();
                Load(await store.LoadAsync(CancellationToken.None));
                await ChangedAsync(before);
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>
    /// A config reload: serves <paramref name="configKeys"/> in place of the config file's keys from the next request
    /// on (stored keys stay). Throws <see cref="ConfigException"/>, changing nothing, when one of them takes a stored
    /// key's name; otherwise runs <paramref name="alongside"/> (the reload's other swap) just before its own swap.
    /// Removed keys' counters go; a key with a new budget or period has its spend restored, as after an admin change.
    /// </summary>
    public async Task ReplaceConfigKeysAsync(IReadOnlyList<KeyConfig> configKeys, Action alongside, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            var before = _snapshot;
            var next = Build(ConfigKeys.Of(configKeys), before.State);
            RefuseSharedNames(next.Keys);
            alongside();
            _snapshot = next;
            await ChangedAsync(before);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>
    /// Throws <see cref="ConfigException"/> naming <c>keys[N].name</c> when a config key has a stored key's name: names
    /// are how people tell keys apart in reports, and the admin API refuses a config key's name, but a config file
    /// edited later can take a stored key's.
    /// </summary>
    public static void RefuseSharedNames(IReadOnlyList<ClientKey> keys)
    {
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!key.FromConfigFile)
            {
                stored[key.Name] = key.Id;
            }
        }
        var index = 0;
        foreach (var key in keys)
        {
            if (key.FromConfigFile && stored.TryGetValue(key.Name, out var id))
            {
                throw new ConfigException($"keys[{index}].name", $"'{key.Name}' is already the name of the key {id} made through the admin API; rename one of them");
            }
            index += key.FromConfigFile ? 1 : 0;
        }
    }

    // After a swap: the counters of what is gone are dropped, and budgets that are new or count over another period restored.
    private async Task ChangedAsync(Snapshot before)
    {
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

    private static Snapshot Build(ConfigKeys config, AccessState state)
    {
        var teamsById = new Dictionary<string, Team>(StringComparer.Ordinal);
        var teams = new Team[state.Teams.Count];
        for (var i = 0; i < teams.Length; i++)
        {
            teams[i] = new Team(state.Teams[i]);
            teamsById[teams[i].Id] = teams[i];
        }
        var keys = new List<ClientKey>(config.Keys.Length + state.Keys.Count);
        var keysById = new Dictionary<string, ClientKey>(StringComparer.Ordinal);
        var secrets = new Dictionary<SecretHash, (ClientKey, long?)>(config.Keys.Length + state.Secrets.Count);
        for (var i = 0; i < config.Keys.Length; i++)
        {
            keys.Add(config.Keys[i]);
            keysById[config.Keys[i].Id] = config.Keys[i];
            secrets[config.Hashes[i]] = (config.Keys[i], null);
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
        return new Snapshot(config, state, keys, keysById, teams, teamsById, secrets);
    }

    // The config file's keys and the hashes of their secrets, built once per config.
    private sealed record ConfigKeys(ClientKey[] Keys, SecretHash[] Hashes)
    {
        public static ConfigKeys Of(IReadOnlyList<KeyConfig> configKeys)
        {
            var keys = new ClientKey[configKeys.Count];
            var hashes = new SecretHash[configKeys.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = ClientKey.FromConfig(configKeys[i]);
                hashes[i] = SecretHash.Of(configKeys[i].Key);
            }
            return new ConfigKeys(keys, hashes);
        }
    }

    private sealed record Snapshot(
        ConfigKeys Config,
        AccessState State,
        IReadOnlyList<ClientKey> Keys,
        Dictionary<string, ClientKey> KeysById,
        IReadOnlyList<Team> Teams,
        Dictionary<string, Team> TeamsById,
        Dictionary<SecretHash, (ClientKey Key, long? ExpiresAt)> Secrets);
}
