using LlmProxy.Config;
using LlmProxy.Storage;

namespace LlmProxy.Admin;

/// <summary>
/// Builds the records a create or PATCH stores from checked <see cref="AccessFields"/>: a field present replaces the
/// value, absent leaves it. New records start with every model (<c>*</c>), no limits, budget period <c>never</c>, no
/// expiry and no metadata; a name left out is the record's id (unique, and never a config key's <c>cfg-</c> name).
/// Times are Unix seconds.
/// </summary>
internal static class AccessChanges
{
    private static readonly IReadOnlyList<string> EveryModel = ["*"];

    public static StoredKey NewKey(string id, string prefix, AccessFields fields, long now) =>
        Apply(new StoredKey(id, id, null, EveryModel, null, null, null, null, BudgetCalendar.Name(BudgetPeriod.Never), null, null, prefix, false, now, now),
            fields, now);

    public static StoredKey Apply(StoredKey key, AccessFields fields, long now) => key with
    {
        Name = fields.Name.Or(key.Name),
        TeamId = fields.Team.Or(key.TeamId),
        Models = fields.Models.Or(key.Models),
        Rpm = fields.Rpm.Or(key.Rpm),
        Tpm = fields.Tpm.Or(key.Tpm),
        MaxParallel = fields.MaxParallel.Or(key.MaxParallel),
        BudgetUsd = fields.BudgetUsd.Or(key.BudgetUsd),
        BudgetPeriod = fields.BudgetPeriod.Or(key.BudgetPeriod),
        ExpiresAt = fields.ExpiresAt.Or(key.ExpiresAt),
        MetadataJson = fields.MetadataJson.Or(key.MetadataJson),
        Revoked = fields.Revoked.Or(key.Revoked),
        UpdatedAt = now,
    };

    public static StoredTeam NewTeam(string id, AccessFields fields, long now) =>
        Apply(new StoredTeam(id, id, EveryModel, null, null, null, null, BudgetCalendar.Name(BudgetPeriod.Never), null, now, now), fields, now);

    public static StoredTeam Apply(StoredTeam team, AccessFields fields, long now) => team with
    {
        Name = fields.Name.Or(team.Name),
        Models = fields.Models.Or(team.Models),
        Rpm = fields.Rpm.Or(team.Rpm),
        Tpm = fields.Tpm.Or(team.Tpm),
        MaxParallel = fields.MaxParallel.Or(team.MaxParallel),
        BudgetUsd = fields.BudgetUsd.Or(team.BudgetUsd),
        BudgetPeriod = fields.BudgetPeriod.Or(team.BudgetPeriod),
        MetadataJson = fields.MetadataJson.Or(team.MetadataJson),
        UpdatedAt = now,
    };
}
