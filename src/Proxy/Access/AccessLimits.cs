using LlmProxy.Config;
namespace LlmProxy.Access;

/// <summary>
/// The limits of a key or a team; null means none. <see cref="Rpm"/>: requests per minute; <see cref="Tpm"/>: tokens
/// per minute (input and output); <see cref="MaxParallel"/>: requests in flight at once; <see cref="BudgetUsd"/>: USD
/// that may be spent per <see cref="BudgetPeriod"/>.
/// </summary>
internal sealed record AccessLimits(int? Rpm, int? Tpm, int? MaxParallel, decimal? BudgetUsd, BudgetPeriod BudgetPeriod)
{
    // Get-only, so that no `with` copy can change it and keep a stale BudgetPicoUsd.
    public decimal? BudgetUsd { get; } = BudgetUsd;

    public bool Any => Rpm is not null || Tpm is not null || MaxParallel is not null || BudgetUsd is not null;

    /// <summary><see cref="BudgetUsd"/> in 10^-12 USD, worked out once rather than per request.</summary>
    public Int128? BudgetPicoUsd { get; } = BudgetUsd is { } usd ? Usage.PicoUsd.FromUsd(usd) : null;
}
