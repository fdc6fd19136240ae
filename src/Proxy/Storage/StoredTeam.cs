namespace LlmProxy.Storage;

/// <summary>
/// A team made through the admin API: limits every key in it shares (null: none), on top of each key's own.
/// Fields as in <see cref="StoredKey"/>; times are Unix seconds.
/// </summary>
internal sealed record StoredTeam(
    string Id,
    string Name,
    IReadOnlyList<string> Models,
    int? Rpm,
    int? Tpm,
    int? MaxParallel,
    decimal? BudgetUsd,
    string BudgetPeriod,
    string? MetadataJson,
    long CreatedAt,
    long UpdatedAt);
