using System.Collections.Concurrent;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Storage;
using StackExchange.Redis;

namespace LlmProxy.Access;

/// <summary>
/// <see cref="IRequestLimiter"/> shared by every instance on one Redis (config <c>redis</c>): requests and tokens per
/// minute, parallel requests and budgets, per key and per team, are checked and taken in one round trip by
/// <see cref="RedisLimitScripts.Admit"/>, atomically for all instances, so a key with rpm 60 gets 60 a minute, and a
/// budget of 10 USD 10 USD, whatever the number of instances. Settling (the tokens used in place of those reserved, the
/// cost in place of its reservation, the parallel slot freed) is sent without waiting. This process keeps a copy of
/// each budget's spend as Redis last told it (<see cref="LocalRequestLimiter"/> with budgets only), restored from the
/// ledger at start-up: what a period Redis lost starts from, and what it counts on while Redis is away. While Redis
/// cannot be reached (not connected, or a call failing) each instance counts the rates itself at 1/N of each limit, N
/// the larger of <c>redis.expectedInstances</c> and the instances it last saw (<see cref="LiveInstances"/>), and the
/// budgets on that copy: logged once, shown by <c>/health</c>, and shared counting resumes as soon as the connection is
/// back. A request settles where it was admitted.
/// </summary>
internal sealed partial class RedisRequestLimiter : IRequestLimiter
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly LocalRequestLimiter _budgets;
    private readonly LocalRequestLimiter _fallback;
    private readonly ILogger<RedisRequestLimiter> _logger;
    private readonly ConcurrentDictionary<string, RedisSubject> _subjects = new(StringComparer.Ordinal);
    private static readonly RedisScript AdmitScript = new(RedisLimitScripts.Admit);

    private readonly TimeProvider _time;
    private readonly long _leaseMs;
    private readonly int _expectedInstances;
    private readonly long[] _refusals = new long[Enum.GetValues<RefusedLimit>().Length];
    private int _degraded;

    /// <param name="redis">The connection, made with <c>AbortOnConnectFail=false</c> so that a Redis down at start-up degrades too.</param>
    /// <param name="lease">How long an admitted request holds what it took unless settled: <see cref="RedisLimitScripts.Lease"/>
    /// (null); shorter in tests.</param>
    public RedisRequestLimiter(IConnectionMultiplexer redis, RedisOptions options, TimeProvider time, ILogger<RedisRequestLimiter> logger,
        TimeSpan? lease = null)
    {
        _redis = redis;
        _leaseMs = (long)(lease ?? RedisLimitScripts.Lease).TotalMilliseconds;
        _time = time;
        _prefix = options.KeyPrefix + "limits:";
        _budgets = new LocalRequestLimiter(time, rates: false);
        _expectedInstances = options.ExpectedInstances;
        _fallback = new LocalRequestLimiter(time, budgets: false, share: options.ExpectedInstances);
        _logger = logger;
    }

    /// <summary>
    /// The instances last seen sharing Redis (<see cref="RedisInstances"/>, each beat that reached it): while Redis is away
    /// each counts 1/N of the rates, N the larger of this and <c>redis.expectedInstances</c>. A beat that reached Redis also
    /// ends <see cref="Degraded"/>, without waiting for a limited request to show it.
    /// </summary>
    public int LiveInstances
    {
        set
        {
            _fallback.Share = Math.Max(_expectedInstances, value);
            Recovered();
        }
    }

    /// <summary>True while the rates are counted in this process because Redis cannot be reached (or is not connected now).</summary>
    public bool Degraded => Volatile.Read(ref _degraded) != 0 || !_redis.IsConnected;

    public long Refusals(RefusedLimit limit) =>
        Interlocked.Read(ref _refusals[(int)limit]) + _budgets.Refusals(limit) + _fallback.Refusals(limit);

    public async ValueTask<Admission> AdmitAsync(ClientKey key, Reservation reservation, CancellationToken cancellationToken)
    {
        var team = key.Team;
        var keyShared = key.Limits.Any;
        var teamShared = team is not null && team.Limits.Any;
        if (!keyShared && !teamShared)
        {
            return Admission.Unlimited;
        }
        if (!_redis.IsConnected)
        {
            return Fallback(key, reservation, null);
        }
        var subjects = keyShared && teamShared ? 2 : 1;
        var keys = new RedisKey[subjects * 3];
        var values = new RedisValue[4 + subjects * SubjectArguments];
        var ticket = new RedisTicket(Guid.NewGuid().ToString("N"), keys, TokensTaken(key, keyShared, teamShared), key);
        values[0] = reservation.Tokens;
        values[1] = ticket.Id;
        values[2] = _leaseMs;
        values[3] = NanoUsdUp(reservation.PicoUsd);
        var now = _time.GetUtcNow();
        for (var i = 0; i < subjects; i++)
        {
            WriteSubject(keys, values, i, SubjectId(key, keyShared, i), Limits(key, keyShared, i), now);
        }
        RedisResult[] answer;
        try
        {
            // Not abandoned when the client leaves: the script may already have taken a slot, which only this admission's
            // settlement gives back (the wait is bounded by the connection's 1 s timeout).
            answer = (RedisResult[])(await AdmitScript.EvaluateAsync(_redis.GetDatabase(), keys, values))!;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The script may have run with its reply lost: its ticket, if it was taken, is given back whole.
            SendSettle(ticket, reservation, 0, 0, refund: true);
            return Fallback(key, reservation, e);
        }
        Recovered();
        var requests = default(RateLimitSnapshot);
        var tokens = default(RateLimitSnapshot);
        for (var i = 0; i < subjects; i++)
        {
            var limits = Limits(key, keyShared, i);
            var offset = 3 + i * SubjectReplies;
            if (limits.Rpm is { } rpm)
            {
                requests = RateLimitSnapshot.Tighter(requests, new(rpm, (long)answer[offset], TimeSpan.FromMilliseconds((long)answer[offset + 1])));
            }
            if (limits.Tpm is { } tpm)
            {
                tokens = RateLimitSnapshot.Tighter(tokens, new(tpm, (long)answer[offset + 2], TimeSpan.FromMilliseconds((long)answer[offset + 3])));
            }
            if (limits.BudgetUsd is not null)
            {
                // This process's copy follows the shared spend: what it counts on if Redis goes away or forgets.
                _budgets.RestoreSpent(SubjectId(key, keyShared, i), limits.BudgetPeriod, FromNano(answer[offset + 4]));
            }
        }
        var refusal = (int)answer[0];
        if (refusal != 0)
        {
            var index = (int)answer[1] - 1;
            var refusedBy = Limits(key, keyShared, index);
            var who = RateRefusals.Who(ReferenceEquals(refusedBy, key.Limits) ? null : team);
            var offset = 3 + index * SubjectReplies;
            var error = refusal == 5
                ? Refuse(RefusedLimit.Budget, RateRefusals.Budget(who, refusedBy, FromNano(answer[offset + 4]), FromNano(answer[offset + 5]), reservation, now),
                    "budget_exceeded")
                : Refuse(refusal, refusedBy, who, reservation, (long)answer[offset + 2], TimeSpan.FromMilliseconds((long)answer[2]));
            return new Admission(null, null, reservation, requests, tokens, error);
        }
        return new Admission(null, null, reservation, requests, tokens, null) { Shared = ticket };
    }

    public void Settle(Admission admission, long usedTokens, long costPicoUsd)
    {
        if (admission.Shared is { } ticket)
        {
            if (admission.TrySettleShared())
            {
                SendSettle(ticket, admission.Reservation, usedTokens, NanoUsdUp(costPicoUsd), refund: false);
                // This process's copy too: what a period Redis loses starts from, and what it counts on while Redis is away.
                ChargeCopy(ticket.Key, costPicoUsd);
            }
        }
        else if (admission.Local is { } budget)
        {
            // Admitted while Redis was away: the rates at this instance's share, the budgets on this process's copy (which
            // the next admission through Redis raises the shared spend to).
            _fallback.Settle(admission, usedTokens, costPicoUsd);
            _budgets.Settle(budget, usedTokens, costPicoUsd);
        }
    }

    /// <summary>The budget's figures in Redis when it holds the current period; else this process's copy (Redis away, or no request yet this period).</summary>
    public async ValueTask<(Int128 SpentPicoUsd, Int128 ReservedPicoUsd, DateTimeOffset PeriodStart)> SpentAsync(string subjectId, BudgetPeriod period,
        CancellationToken cancellationToken)
    {
        var local = _budgets.Spent(subjectId, period);
        if (!_redis.IsConnected)
        {
            return local;
        }
        var window = SubjectOf(subjectId).Window(period, _time.GetUtcNow());
        try
        {
            var figures = await _redis.GetDatabase().HashGetAsync(SubjectOf(subjectId).Budget, ["k", "p", "s", "r"]).WaitAsync(cancellationToken);
            return figures[0] == window.Name && figures[1] == window.StartSeconds
                ? (FromNano((long)figures[2]), FromNano((long)figures[3]), DateTimeOffset.FromUnixTimeSeconds(window.StartSeconds))
                : local;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return local;
        }
    }

    public void RestoreSpent(string subjectId, BudgetPeriod period, Int128 spentPicoUsd) => _budgets.RestoreSpent(subjectId, period, spentPicoUsd);

    public void Forget(string subjectId)
    {
        _budgets.Forget(subjectId);
        _fallback.Forget(subjectId);
        _subjects.TryRemove(subjectId, out _);
        try
        {
            // A deleted key's or team's counters in Redis, a budget that never resets among them, would never expire.
            var subject = new RedisSubject(_prefix, subjectId);
            _redis.GetDatabase().KeyDelete([subject.Rates, subject.InFlight, subject.Budget], CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
        }
    }

    // The i-th subject of the script: the key first when it has limits, then its team.
    private static AccessLimits Limits(ClientKey key, bool keyShared, int index) => index == 0 && keyShared ? key.Limits : key.Team!.Limits;

    private static string SubjectId(ClientKey key, bool keyShared, int index) => index == 0 && keyShared ? key.Id : key.Team!.Id;

    private static bool[] TokensTaken(ClientKey key, bool keyShared, bool teamShared)
    {
        var taken = new bool[(keyShared ? 1 : 0) + (teamShared ? 1 : 0)];
        for (var i = 0; i < taken.Length; i++)
        {
            taken[i] = Limits(key, keyShared, i).Tpm is not null;
        }
        return taken;
    }

    private void ChargeCopy(ClientKey key, long costPicoUsd)
    {
        if (key.Limits.BudgetUsd is not null)
        {
            _budgets.Charge(key.Id, key.Limits.BudgetPeriod, costPicoUsd);
        }
        if (key.Team is { Limits.BudgetUsd: not null } team)
        {
            _budgets.Charge(team.Id, team.Limits.BudgetPeriod, costPicoUsd);
        }
    }

    private RedisSubject SubjectOf(string id) => _subjects.GetOrAdd(id, static (id, prefix) => new RedisSubject(prefix, id), _prefix);

    // How many arguments of the admission script each subject has, after the four common ones; and values of its reply,
    // after the three common ones.
    private const int SubjectArguments = 8;
    private const int SubjectReplies = 6;

    // The subject's three Redis keys, and its arguments.
    private void WriteSubject(RedisKey[] keys, RedisValue[] values, int index, string id, AccessLimits limits, DateTimeOffset now)
    {
        var subject = SubjectOf(id);
        keys[index * 3] = subject.Rates;
        keys[index * 3 + 1] = subject.InFlight;
        keys[index * 3 + 2] = subject.Budget;
        var at = 4 + index * SubjectArguments;
        values[at] = limits.Rpm ?? -1;
        values[at + 1] = limits.Tpm ?? -1;
        values[at + 2] = limits.MaxParallel ?? -1;
        if (limits.BudgetPicoUsd is { } budget)
        {
            var window = subject.Window(limits.BudgetPeriod, now);
            values[at + 3] = (long)Int128.Min(budget / PicoPerNano, long.MaxValue);
            values[at + 4] = window.Name;
            values[at + 5] = window.StartSeconds;
            values[at + 6] = window.ExpiresMs;
            values[at + 7] = (long)Int128.Min(_budgets.Spent(id, limits.BudgetPeriod).SpentPicoUsd / PicoPerNano, long.MaxValue);
        }
        else
        {
            values[at + 3] = -1;
            values[at + 4] = RedisValue.EmptyString;
            values[at + 5] = 0;
            values[at + 6] = -1;
            values[at + 7] = 0;
        }
    }

    // Redis counts budgets in 10^-9 USD (64-bit HINCRBY): a cost is rounded up, so the shared spend never falls short.
    private const long PicoPerNano = 1000;

    private static long NanoUsdUp(long picoUsd) => picoUsd <= 0 ? 0 : (picoUsd + PicoPerNano - 1) / PicoPerNano;

    private static Int128 FromNano(RedisResult nanoUsd) => FromNano((long)nanoUsd);

    private static Int128 FromNano(long nanoUsd) => (Int128)nanoUsd * PicoPerNano;

    // Rates at 1/N here, and the budgets as always; the admission settles both in this process.
    private Admission Fallback(ClientKey key, Reservation reservation, Exception? failure)
    {
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            LogDegraded(_logger, failure is null ? "not connected" : RedisFailure.Reason(failure));
        }
        var rates = _fallback.Admit(key, reservation);
        if (rates.Refusal is not null)
        {
            return rates;
        }
        var budget = _budgets.Admit(key, reservation);
        if (budget.Refusal is not null)
        {
            _fallback.Settle(rates, 0, 0);
            return budget;
        }
        return new Admission(rates.Key, rates.Team, reservation, rates.Requests, rates.Tokens, null)
        {
            KeyPeriod = rates.KeyPeriod,
            TeamPeriod = rates.TeamPeriod,
            KeyTokens = rates.KeyTokens,
            TeamTokens = rates.TeamTokens,
            Local = budget,
        };
    }

    private void Recovered()
    {
        if (Volatile.Read(ref _degraded) != 0 && Interlocked.Exchange(ref _degraded, 0) == 1)
        {
            LogRecovered(_logger);
        }
    }

    private void SendSettle(RedisTicket ticket, Reservation reservation, long usedTokens, long costNanoUsd, bool refund)
    {
        var values = new RedisValue[5 + ticket.TokensTaken.Length];
        values[0] = reservation.Tokens;
        values[1] = usedTokens;
        values[2] = refund ? 1 : 0;
        values[3] = ticket.Id;
        values[4] = costNanoUsd;
        for (var i = 0; i < ticket.TokensTaken.Length; i++)
        {
            values[5 + i] = ticket.TokensTaken[i] ? 1 : 0;
        }
        try
        {
            // Fire and forget: a settlement lost on the way leaves its ticket's slot and budget reservation taken until the
            // lease ends, and tokens reserved that drain within the minute anyway.
            _redis.GetDatabase().ScriptEvaluate(RedisLimitScripts.Settle, ticket.Keys, values, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
        }
    }

    private GatewayError Refuse(int refusal, AccessLimits limits, string who, Reservation reservation, long tokensRemaining, TimeSpan wait)
    {
        var (limit, (message, retryAfter)) = refusal switch
        {
            1 => (RefusedLimit.MaxParallel, RateRefusals.Parallel(who, limits.MaxParallel!.Value)),
            2 => (RefusedLimit.Rpm, RateRefusals.Requests(who, limits.Rpm!.Value, wait)),
            3 => (RefusedLimit.Tpm, RateRefusals.Tokens(who, limits.Tpm!.Value, tokensRemaining, reservation, wait)),
            _ => (RefusedLimit.Tpm, RateRefusals.TooLarge(who, limits.Tpm, reservation)),
        };
        return Refuse(limit, (message, retryAfter), "rate_limit_exceeded");
    }

    private GatewayError Refuse(RefusedLimit limit, (string Message, TimeSpan RetryAfter) refusal, string code)
    {
        Interlocked.Increment(ref _refusals[(int)limit]);
        return new GatewayError(429, ErrorKind.RateLimited, refusal.Message, code) { RetryAfter = refusal.RetryAfter };
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning,
        Message = "Redis cannot be reached ({Reason}): rate limits are counted in this instance at 1/redis.expectedInstances of each, and budgets on its last copy, until it is back")]
    private static partial void LogDegraded(ILogger logger, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Redis is reachable again: rate limits are shared between instances again")]
    private static partial void LogRecovered(ILogger logger);
}
