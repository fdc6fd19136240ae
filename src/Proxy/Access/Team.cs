using LlmProxy.Config;
using LlmProxy.Storage;

namespace LlmProxy.Access;

/// <summary>A team as the proxy serves it: limits shared by every key in it, on top of each key's own.</summary>
internal sealed class Team(StoredTeam stored)
{
    public StoredTeam Stored { get; } = stored;

    public string Id => Stored.Id;

    public string Name => Stored.Name;

    public ModelAllowList Models { get; } = new(stored.Models);

    public AccessLimits Limits { get; } = new(stored.Rpm, stored.Tpm, stored.MaxParallel, stored.BudgetUsd,
        BudgetCalendar.TryParse(stored.BudgetPeriod, out var period) ? period : BudgetPeriod.Never);
}
