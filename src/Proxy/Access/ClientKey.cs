using System.Security.Cryptography;
using System.Text;
using LlmProxy.Config;
using LlmProxy.Storage;

namespace LlmProxy.Access;

/// <summary>
/// An authenticated caller, from the config file or made through the admin API: its id and name (never the secret),
/// its team, the aliases it may use and its limits. Immutable: an admin change builds a new one (same <see cref="Id"/>,
/// so its rate-limit counters carry over).
/// </summary>
internal sealed class ClientKey
{
    /// <summary>The id prefix of keys from the config file; their id is this plus their (unique) name.</summary>
    public const string ConfigIdPrefix = "cfg-";

    private ClientKey(string id, string name, string owner, Team? team, ModelAllowList models, AccessLimits limits, StoredKey? stored)
    {
        Id = id;
        Name = name;
        Owner = owner;
        Team = team;
        Models = models;
        Limits = limits;
        Stored = stored;
    }

    /// <summary>A key of the config file: id <c>cfg-NAME</c>; read-only through the admin API.</summary>
    public static ClientKey FromConfig(KeyConfig config) => new(
        ConfigIdPrefix + config.Name,
        config.Name,
        // What this key stores is owned by the key's hash, as before stored keys existed, so stored responses stay its own.
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(config.Key))),
        null,
        new ModelAllowList(config.Models),
        new AccessLimits(config.Rpm, config.Tpm, config.MaxParallel, config.BudgetUsd, config.BudgetPeriod),
        null);

    /// <summary>A key made through the admin API, in <paramref name="team"/> (resolved from <see cref="StoredKey.TeamId"/>).</summary>
    public static ClientKey FromStored(StoredKey stored, Team? team) => new(
        stored.Id,
        stored.Name,
        stored.Id, // stable across rotations, unlike a secret's hash
        team,
        new ModelAllowList(stored.Models),
        new AccessLimits(stored.Rpm, stored.Tpm, stored.MaxParallel, stored.BudgetUsd,
            BudgetCalendar.TryParse(stored.BudgetPeriod, out var period) ? period : BudgetPeriod.Never),
        stored);

    /// <summary><c>key_...</c> for a stored key, <c>cfg-NAME</c> for a config key: the ledger's and the admin API's id.</summary>
    public string Id { get; }

    /// <summary>Unique among all keys; never the secret.</summary>
    public string Name { get; }

    /// <summary>
    /// Who owns what this key stores (stored responses). A config key: the SHA-256 of its secret, hex (its name could be
    /// given to another key by an edit of the file; its secret cannot). A stored key: its id, which a rotation keeps.
    /// </summary>
    public string Owner { get; }

    /// <summary>The team whose limits apply on top of the key's own; null for none (always, for config keys).</summary>
    public Team? Team { get; }

    /// <summary>The aliases this key may use (its team's list applies too).</summary>
    public ModelAllowList Models { get; }

    /// <summary>The key's own limits.</summary>
    public AccessLimits Limits { get; }

    /// <summary>The admin API's record of this key; null for a key of the config file.</summary>
    public StoredKey? Stored { get; }

    public bool FromConfigFile => Stored is null;

    /// <summary>When the key stops working, Unix seconds; null: never.</summary>
    public long? ExpiresAt => Stored?.ExpiresAt;

    public bool Revoked => Stored?.Revoked ?? false;

    /// <summary>Whether both this key and its team allow <paramref name="alias"/>.</summary>
    public bool MayUse(string alias) => Models.Allows(alias) && (Team is null || Team.Models.Allows(alias));
}
