namespace LlmProxy.Storage;

/// <summary>
/// A virtual key made through the admin API, as the store keeps it: never its secret (<see cref="StoredSecret"/> holds
/// only SHA-256 hashes), its limits (null: none), and <see cref="Prefix"/>, the secret's first characters so a person
/// can recognise it. <see cref="Models"/> holds aliases or <c>*</c>; <see cref="BudgetPeriod"/> is <c>daily</c>,
/// <c>weekly</c>, <c>monthly</c> or <c>never</c>; <see cref="MetadataJson"/> is a JSON object as the caller sent it.
/// Times are Unix seconds.
/// </summary>
internal sealed record StoredKey(
    string Id,
    string Name,
    string? TeamId,
    IReadOnlyList<string> Models,
    int? Rpm,
    int? Tpm,
    int? MaxParallel,
    decimal? BudgetUsd,
    string BudgetPeriod,
    long? ExpiresAt,
    string? MetadataJson,
    string Prefix,
    bool Revoked,
    long CreatedAt,
    long UpdatedAt);
