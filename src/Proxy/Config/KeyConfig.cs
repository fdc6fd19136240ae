namespace LlmProxy.Config;

/// <summary>A client key from the config file. <c>Models</c> holds aliases or <c>*</c>; names are unique.</summary>
internal sealed record KeyConfig(
    string Key,
    string Name,
    IReadOnlyList<string> Models,
    int? Rpm,
    int? Tpm,
    int? MaxParallel,
    decimal? BudgetUsd,
    BudgetPeriod BudgetPeriod = BudgetPeriod.Never);
