using System.Collections.Concurrent;
using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Access;

/// <summary>
/// <see cref="IRequestLimiter"/> in this process's memory: counters per key and team id, each under its own lock. A
/// request's key and team are locked together (key, then team: the one order everywhere, so no deadlock), checked, and
/// charged only when both pass, so a burst of concurrent requests cannot overshoot either. Admission allocates only a
/// refusal or the <see cref="Admission"/>; keys and teams without limits take no lock and allocate nothing. Beside a
/// shared limiter (<see cref="RedisRequestLimiter"/>) it counts only part of the limits: <paramref name="rates"/> false
/// leaves requests and tokens per minute and parallel requests to the shared one, <paramref name="budgets"/> false the
/// budgets; <see cref="Share"/> (first <paramref name="share"/>) divides the rates among that many instances (at least 1
/// each), while the shared counters cannot be reached.
/// </summary>
internal sealed class LocalRequestLimiter(TimeProvider time, bool rates = true, bool budgets = true, int share = 1) : IRequestLimiter
{
    private readonly ConcurrentDictionary<string, LimitCounters> _counters = new(StringComparer.Ordinal);
    private int _share = Math.Max(1, share);
    private readonly long[] _refusals = new long[Enum.GetValues<RefusedLimit>().Length];

    public long Refusals(RefusedLimit limit) => Interlocked.Read(ref _refusals[(int)limit]);

    /// <summary>How many instances the rates are divided among (at least 1); may change while requests run.</summary>
    public int Share
    {
        get => Volatile.Read(ref _share);
        set => Volatile.Write(ref _share, Math.Max(1, value));
    }

    public ValueTask<Admission> AdmitAsync(ClientKey key, Reservation reservation, CancellationToken cancellationToken) => new(Admit(key, reservation));

    /// <summary>As <see cref="AdmitAsync"/>, synchronously: nothing here waits.</summary>
    public Admission Admit(ClientKey key, Reservation reservation)
    {
        var team = key.Team;
        var keyLimited = Counts(key.Limits);
        var teamLimited = team is not null && Counts(team.Limits);
        if (!keyLimited && !teamLimited)
        {
            return Admission.Unlimited;
        }
        var now = time.GetUtcNow();
        var keyCounters = keyLimited ? Counters(key.Id) : null;
        var teamCounters = teamLimited ? Counters(team!.Id) : null;
        keyCounters?.Gate.Enter();
        teamCounters?.Gate.Enter();
        try
        {
            var refusal = (keyCounters is null ? null : Check(keyCounters, key.Limits, reservation, now, null))
                ?? (teamCounters is null ? null : Check(teamCounters, team!.Limits, reservation, now, team));
            RateLimitSnapshot requests = default, tokens = default;
            if (keyCounters is not null)
            {
                Take(keyCounters, key.Limits, refusal is null ? reservation : null, ref requests, ref tokens);
            }
            if (teamCounters is not null)
            {
                Take(teamCounters, team!.Limits, refusal is null ? reservation : null, ref requests, ref tokens);
            }
            if (refusal is not null)
            {
                return new Admission(null, null, reservation, requests, tokens, refusal);
            }
            return new Admission(keyCounters, teamCounters, reservation, requests, tokens, null)
            {
                KeyPeriod = keyCounters?.PeriodStart ?? default,
                TeamPeriod = teamCounters?.PeriodStart ?? default,
                KeyTokens = Tpm(key.Limits) is not null,
                TeamTokens = team is not null && Tpm(team.Limits) is not null,
            };
        }
        finally
        {
            teamCounters?.Gate.Exit();
            keyCounters?.Gate.Exit();
        }
    }

    public void Settle(Admission admission, long usedTokens, long costPicoUsd)
    {
        if (!admission.TrySettle())
        {
            return;
        }
        Give(admission.Key, admission.KeyTokens, admission.Reservation, admission.KeyPeriod, usedTokens, costPicoUsd);
        Give(admission.Team, admission.TeamTokens, admission.Reservation, admission.TeamPeriod, usedTokens, costPicoUsd);
    }

    public ValueTask<(Int128 SpentPicoUsd, Int128 ReservedPicoUsd, DateTimeOffset PeriodStart)> SpentAsync(string subjectId, BudgetPeriod period,
        CancellationToken cancellationToken) => new(Spent(subjectId, period));

    /// <summary>As <see cref="SpentAsync"/>, synchronously: nothing here waits.</summary>
    public (Int128 SpentPicoUsd, Int128 ReservedPicoUsd, DateTimeOffset PeriodStart) Spent(string subjectId, BudgetPeriod period)
    {
        var counters = Counters(subjectId);
        lock (counters.Gate)
        {
            counters.RollPeriod(period, time.GetUtcNow());
            return (counters.SpentPicoUsd, counters.ReservedPicoUsd, counters.PeriodStart);
        }
    }

    public void RestoreSpent(string subjectId, BudgetPeriod period, Int128 spentPicoUsd)
    {
        var counters = Counters(subjectId);
        lock (counters.Gate)
        {
            counters.RollPeriod(period, time.GetUtcNow());
            // The ledger lags the counters by what is still queued: never lower what they already hold for this period.
            counters.SpentPicoUsd = Int128.Max(counters.SpentPicoUsd, spentPicoUsd);
        }
    }

    /// <summary>Adds <paramref name="picoUsd"/> to what <paramref name="subjectId"/> spent in the <paramref name="period"/> that contains now (a cost counted elsewhere, mirrored here).</summary>
    public void Charge(string subjectId, BudgetPeriod period, long picoUsd)
    {
        var counters = Counters(subjectId);
        lock (counters.Gate)
        {
            counters.RollPeriod(period, time.GetUtcNow());
            counters.SpentPicoUsd += picoUsd;
        }
    }

    public void Forget(string subjectId) => _counters.TryRemove(subjectId, out _);

    private LimitCounters Counters(string id) => _counters.GetOrAdd(id, static _ => new LimitCounters());

    private bool Counts(AccessLimits limits) =>
        (rates && (limits.Rpm is not null || limits.Tpm is not null || limits.MaxParallel is not null)) || (budgets && limits.BudgetUsd is not null);

    private int? Rpm(AccessLimits limits) => Rate(limits.Rpm);

    private int? Tpm(AccessLimits limits) => Rate(limits.Tpm);

    private int? Rate(int? limit) => rates && limit is { } value ? Math.Max(1, value / Share) : null;

    // team: null when these are the key's own limits. The refusal's words are built only for a refusal.
    private GatewayError? Check(LimitCounters counters, AccessLimits limits, Reservation reservation, DateTimeOffset now, Team? team)
    {
        var ticks = now.UtcTicks;
        // Both drained first, whichever refuses: the headers of a refusal report the buckets as they are now.
        if (Rpm(limits) is { } requestsLimit)
        {
            counters.Requests.Drain(requestsLimit, ticks);
        }
        if (Tpm(limits) is { } tokensLimit)
        {
            counters.Tokens.Drain(tokensLimit, ticks);
        }
        if (Rate(limits.MaxParallel) is { } maxParallel && counters.InFlight >= maxParallel)
        {
            return Refuse(RefusedLimit.MaxParallel, RateRefusals.Parallel(Who(team), limits.MaxParallel!.Value, Here(maxParallel)));
        }
        if (Rpm(limits) is { } rpm)
        {
            if (!counters.Requests.Fits(rpm, 1))
            {
                var wait = counters.Requests.UntilFits(rpm, 1);
                return Refuse(RefusedLimit.Rpm, RateRefusals.Requests(Who(team), limits.Rpm!.Value, wait, Here(rpm)));
            }
        }
        if (Tpm(limits) is { } tpm && reservation.Tokens > 0)
        {
            // Against the whole limit, not this instance's share of it: a request that fits the key's tpm is no hopeless one
            // while Redis is away; it waits for this instance's share to have room.
            if (reservation.Tokens > limits.Tpm)
            {
                return Refuse(RefusedLimit.Tpm, RateRefusals.TooLarge(Who(team), limits.Tpm, reservation));
            }
            if (!counters.Tokens.Fits(tpm, reservation.Tokens))
            {
                var wait = counters.Tokens.UntilFits(tpm, reservation.Tokens);
                return Refuse(RefusedLimit.Tpm, RateRefusals.Tokens(Who(team), limits.Tpm!.Value, counters.Tokens.Remaining(tpm), reservation, wait, Here(tpm)));
            }
        }
        if (budgets && limits.BudgetPicoUsd is { } budgetPicoUsd)
        {
            counters.RollPeriod(limits.BudgetPeriod, now);
            if (!RateRefusals.BudgetFits(budgetPicoUsd, counters.SpentPicoUsd, counters.ReservedPicoUsd, reservation))
            {
                var (message, retryAfter) = RateRefusals.Budget(Who(team), limits, counters.SpentPicoUsd, counters.ReservedPicoUsd, reservation, now);
                return Refuse(RefusedLimit.Budget, message, "budget_exceeded", retryAfter);
            }
        }
        return null;
    }

    // Takes the reservation (none: a refused request, only looked at) and reports what is left, for the headers.
    private void Take(LimitCounters counters, AccessLimits limits, Reservation? taken, ref RateLimitSnapshot requests, ref RateLimitSnapshot tokens)
    {
        if (taken is { } reservation)
        {
            counters.InFlight++;
            counters.ReservedPicoUsd += reservation.PicoUsd;
        }
        if (Rpm(limits) is { } rpm)
        {
            counters.Requests.Add(taken is null ? 0 : 1);
            requests = RateLimitSnapshot.Tighter(requests, new(rpm, counters.Requests.Remaining(rpm), counters.Requests.UntilEmpty(rpm)));
        }
        if (Tpm(limits) is { } tpm)
        {
            counters.Tokens.Add(taken?.Tokens ?? 0);
            tokens = RateLimitSnapshot.Tighter(tokens, new(tpm, counters.Tokens.Remaining(tpm), counters.Tokens.UntilEmpty(tpm)));
        }
    }

    // The reservation is given back and the actual use charged: the tokens bucket takes the difference (it drains on its own),
    // the budget the cost. Counted against whatever limits the subject has now: an admin change in between is honoured.
    private void Give(LimitCounters? counters, bool tokensTaken, Reservation reservation, DateTimeOffset admittedPeriod, long usedTokens, long costPicoUsd)
    {
        if (counters is null)
        {
            return;
        }
        lock (counters.Gate)
        {
            counters.InFlight--;
            if (tokensTaken)
            {
                counters.Tokens.Add(usedTokens - reservation.Tokens);
            }
            counters.ReservedPicoUsd -= reservation.PicoUsd;
            // Charged to the period the request arrived in, as the ledger (which records the arrival) and a restart count it:
            // a request that ends after the period rolled over charges nothing to the new one. Compared by identity, not by
            // time, so a clock stepped back meanwhile changes nothing.
            counters.RollPeriod(counters.Period, time.GetUtcNow());
            if (counters.PeriodStart == admittedPeriod)
            {
                counters.SpentPicoUsd += costPicoUsd;
            }
        }
    }

    private static string Who(Team? team) => RateRefusals.Who(team);

    // The part of a limit this instance counts while the shared counters cannot be reached; null when it counts it whole.
    private int? Here(int part) => Share > 1 ? part : null;

    private GatewayError Refuse(RefusedLimit limit, (string Message, TimeSpan RetryAfter) refusal) =>
        Refuse(limit, refusal.Message, "rate_limit_exceeded", refusal.RetryAfter);

    private GatewayError Refuse(RefusedLimit limit, string message, string code, TimeSpan retryAfter)
    {
        Interlocked.Increment(ref _refusals[(int)limit]);
        return new(429, ErrorKind.RateLimited, message, code) { RetryAfter = retryAfter };
    }
}
