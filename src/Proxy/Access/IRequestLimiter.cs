using LlmProxy.Config;

namespace LlmProxy.Access;

/// <summary>
/// Enforces the limits of a key and its team: requests and tokens per minute, requests in flight, and the budget per
/// period. A request passes only when both the key's and the team's limits let it; what it reserves is taken from both
/// at once or from neither. In this process (<see cref="LocalRequestLimiter"/>), or shared between instances through
/// Redis (<see cref="RedisRequestLimiter"/>).
/// </summary>
internal interface IRequestLimiter
{
    /// <summary>
    /// Admits one request of <paramref name="key"/> reserving <paramref name="reservation"/> (tokens against tpm, cost
    /// against the budget), or refuses it with a 429 saying which limit and when to retry. Completes synchronously unless
    /// the counters are elsewhere (Redis: one round trip).
    /// </summary>
    ValueTask<Admission> AdmitAsync(ClientKey key, Reservation reservation, CancellationToken cancellationToken);

    /// <summary>
    /// Ends an admitted request: frees its slot, replaces its reserved tokens with <paramref name="usedTokens"/>, and
    /// charges <paramref name="costPicoUsd"/> (10^-12 USD) to the budgets in place of its reserved cost. Idempotent. Never
    /// waits: shared counters are settled in the background.
    /// </summary>
    void Settle(Admission admission, long usedTokens, long costPicoUsd);

    /// <summary>
    /// What the key or team <paramref name="subjectId"/> has spent in its current <paramref name="period"/>, and reserved
    /// in flight (10^-12 USD). Completes synchronously unless the counters are elsewhere (Redis: one round trip).
    /// </summary>
    ValueTask<(Int128 SpentPicoUsd, Int128 ReservedPicoUsd, DateTimeOffset PeriodStart)> SpentAsync(string subjectId, BudgetPeriod period,
        CancellationToken cancellationToken);

    /// <summary>Sets what <paramref name="subjectId"/> spent in the <paramref name="period"/> that contains now, as the ledger says (at start-up).</summary>
    void RestoreSpent(string subjectId, BudgetPeriod period, Int128 spentPicoUsd);

    /// <summary>
    /// Drops the counters of <paramref name="subjectId"/>, a key or team that was deleted: ids are never reused, so they
    /// would only hold memory. Requests still in flight settle against the counters they took; one that authenticated
    /// just before the deletion and is admitted just after it makes the counters again (a few bytes, until restart).
    /// </summary>
    void Forget(string subjectId);

    /// <summary>Requests refused by <paramref name="limit"/> since the start (a key's or a team's).</summary>
    long Refusals(RefusedLimit limit);
}
