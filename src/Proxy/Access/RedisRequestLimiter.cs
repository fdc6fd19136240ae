using System.Collections.Concurrent;
using LlmProxy.Canonical;
using LlmProxy.Config;
using StackExchange.Redis;

namespace LlmProxy.Access;

/// <summary>
/// <see cref="IRequestLimiter"/> shared by every instance on one Redis (config <c>redis</c>): requests and tokens per
/// minute and parallel requests, per key and per team, are checked and taken in one round trip by
/// <see cref="RedisLimitScripts.Admit"/>, atomically for all instances, so a key with rpm 60 gets 60 a minute
/// whatever the number of instances. Settling (the tokens used in place of those reserved, the parallel slot freed)
/// is sent without waiting. Budgets are counted in this process (<see cref="LocalRequestLimiter"/> with budgets only).
/// While Redis cannot be reached (not connected, or a call failing) each instance counts the rates itself at 1/N of
/// each limit, N the larger of <c>redis.expectedInstances</c> and the instances it last saw (<see cref="LiveInstances"/>): logged once, shown by <c>/health</c>, and shared counting
/// resumes as soon as the connection is back. A request settles where it was admitted.
/// </summary>
internal sealed partial class RedisRequestLimiter : IRequestLimiter
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly LocalRequestLimiter _budgets;
    private readonly LocalRequestLimiter _fallback;
    private readonly ILogger<RedisRequestLimiter> _logger;
    private readonly ConcurrentDictionary<string, (RedisKey Hash, RedisKey Set)> _keys = new(StringComparer.Ordinal);
    private readonly int _expectedInstances;
    private readonly long[] _refusals = new long[Enum.GetValues<RefusedLimit>().Length];
    private int _degraded;

    /// <param name="redis">The connection, made with <c>AbortOnConnectFail=false</c> so that a Redis down at start-up degrades too.</param>
    public RedisRequestLimiter(IConnectionMultiplexer redis, RedisOptions options, TimeProvider time, ILogger<RedisRequestLimiter> logger)
    {
        _redis = redis;
        _prefix = options.KeyPrefix + "limits:";
        _budgets = new LocalRequestLimiter(time, rates: false);
        _expectedInstances = options.ExpectedInstances;
        _fallback = new LocalRequestLimiter(time, budgets: false, share: options.ExpectedInstances);
        _logger = logger;
    }

    /// <summary>
    /// The instances last seen sharing Redis (<see cref="RedisInstances"/>): while Redis is away each counts 1/N of the
    /// rates, N the larger of this and <c>redis.expectedInstances</c>.
    /// </summary>
    public int LiveInstances
    {
        set => _fallback.Share = Math.Max(_expectedInstances, value);
    }

    /// <summary>True while the rates are counted in this process because Redis cannot be reached (or is not connected now).</summary>
    public bool Degraded => Volatile.Read(ref _degraded) != 0 || !_redis.IsConnected;

    public long Refusals(RefusedLimit limit) =>
        Interlocked.Read(ref _refusals[(int)limit]) + _budgets.Refusals(limit) + _fallback.Refusals(limit);

    public async ValueTask<Admission> AdmitAsync(ClientKey key, Reservation reservation, CancellationToken cancellationToken)
    {
        var team = key.Team;
        var keyRates = HasRates(key.Limits);
        var teamRates = team is not null && HasRates(team.Limits);
        if (!keyRates && !teamRates)
        {
            return _budgets.Admit(key, reservation);
        }
        if (!_redis.IsConnected)
        {
            return Fallback(key, reservation, null);
        }
        var subjects = keyRates && teamRates ? 2 : 1;
        var keys = new RedisKey[subjects * 2];
        var values = new RedisValue[3 + subjects * 3];
        var ticket = new RedisTicket(Guid.NewGuid().ToString("N"), keys, TokensTaken(key, keyRates, teamRates));
        values[0] = reservation.Tokens;
        values[1] = ticket.Id;
        values[2] = (long)RedisLimitScripts.Lease.TotalMilliseconds;
        var at = 0;
        if (keyRates)
        {
            Subject(keys, values, at++, key.Id, key.Limits);
        }
        if (teamRates)
        {
            Subject(keys, values, at, team!.Id, team.Limits);
        }
        RedisResult[] answer;
        try
        {
            // Not abandoned when the client leaves: the script may already have taken a slot, which only this admission's
            // settlement gives back (the wait is bounded by the connection's 1 s timeout).
            answer = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(RedisLimitScripts.Admit, keys, values))!;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The script may have run with its reply lost: its ticket, if it was taken, is given back whole.
            SendSettle(ticket, reservation, 0, refund: true);
            return Fallback(key, reservation, e);
        }
        Recovered();
        var requests = default(RateLimitSnapshot);
        var tokens = default(RateLimitSnapshot);
        for (var i = 0; i < subjects; i++)
        {
            var limits = Limits(key, keyRates, i);
            var offset = 3 + i * 4;
            if (limits.Rpm is { } rpm)
            {
                requests = RateLimitSnapshot.Tighter(requests, new(rpm, (long)answer[offset], TimeSpan.FromMilliseconds((long)answer[offset + 1])));
            }
            if (limits.Tpm is { } tpm)
            {
                tokens = RateLimitSnapshot.Tighter(tokens, new(tpm, (long)answer[offset + 2], TimeSpan.FromMilliseconds((long)answer[offset + 3])));
            }
        }
        var refusal = (int)answer[0];
        if (refusal != 0)
        {
            var index = (int)answer[1] - 1;
            var refusedBy = Limits(key, keyRates, index);
            var who = RateRefusals.Who(ReferenceEquals(refusedBy, key.Limits) ? null : team);
            return new Admission(null, null, reservation, requests, tokens,
                Refuse(refusal, refusedBy, who, reservation, (long)answer[3 + index * 4 + 2], TimeSpan.FromMilliseconds((long)answer[2])));
        }
        var budget = _budgets.Admit(key, reservation);
        if (budget.Refusal is not null)
        {
            // Admitted by the rates, refused by a budget: the rates take nothing from a request that is not served.
            SendSettle(ticket, reservation, 0, refund: true);
            return budget;
        }
        return new Admission(null, null, reservation, requests, tokens, null) { Shared = ticket, Local = budget };
    }

    public void Settle(Admission admission, long usedTokens, long costPicoUsd)
    {
        if (admission.Shared is { } ticket)
        {
            if (!admission.TrySettleShared())
            {
                return;
            }
            SendSettle(ticket, admission.Reservation, usedTokens, refund: false);
        }
        else if (admission.Local is null)
        {
            _budgets.Settle(admission, usedTokens, costPicoUsd); // a key with budgets only, or none
            return;
        }
        else
        {
            _fallback.Settle(admission, usedTokens, costPicoUsd); // admitted while Redis was away
        }
        _budgets.Settle(admission.Local!, usedTokens, costPicoUsd);
    }

    public (Int128 SpentPicoUsd, Int128 ReservedPicoUsd, DateTimeOffset PeriodStart) Spent(string subjectId, BudgetPeriod period) => _budgets.Spent(subjectId, period);

    public void RestoreSpent(string subjectId, BudgetPeriod period, Int128 spentPicoUsd) => _budgets.RestoreSpent(subjectId, period, spentPicoUsd);

    public void Forget(string subjectId)
    {
        _budgets.Forget(subjectId);
        _fallback.Forget(subjectId);
        _keys.TryRemove(subjectId, out _);
    }

    private static bool HasRates(AccessLimits limits) => limits.Rpm is not null || limits.Tpm is not null || limits.MaxParallel is not null;

    // The i-th subject of the script: the key's limits first when the key has rates.
    private static AccessLimits Limits(ClientKey key, bool keyRates, int index) => index == 0 && keyRates ? key.Limits : key.Team!.Limits;

    private static bool[] TokensTaken(ClientKey key, bool keyRates, bool teamRates)
    {
        var taken = new bool[(keyRates ? 1 : 0) + (teamRates ? 1 : 0)];
        for (var i = 0; i < taken.Length; i++)
        {
            taken[i] = Limits(key, keyRates, i).Tpm is not null;
        }
        return taken;
    }

    // The subject's hash and set (its name with ":inflight"), and its limits after the three common arguments.
    private void Subject(RedisKey[] keys, RedisValue[] values, int index, string id, AccessLimits limits)
    {
        var (hash, set) = _keys.GetOrAdd(id, static (id, prefix) => (new RedisKey(prefix + id), new RedisKey(prefix + id + ":inflight")), _prefix);
        keys[index * 2] = hash;
        keys[index * 2 + 1] = set;
        values[3 + index * 3] = limits.Rpm ?? -1;
        values[4 + index * 3] = limits.Tpm ?? -1;
        values[5 + index * 3] = limits.MaxParallel ?? -1;
    }

    // Rates at 1/N here, and the budgets as always; the admission settles both in this process.
    private Admission Fallback(ClientKey key, Reservation reservation, Exception? failure)
    {
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            LogDegraded(_logger, failure?.Message ?? "not connected");
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

    private void SendSettle(RedisTicket ticket, Reservation reservation, long usedTokens, bool refund)
    {
        var values = new RedisValue[4 + ticket.TokensTaken.Length];
        values[0] = reservation.Tokens;
        values[1] = usedTokens;
        values[2] = refund ? 1 : 0;
        values[3] = ticket.Id;
        for (var i = 0; i < ticket.TokensTaken.Length; i++)
        {
            values[4 + i] = ticket.TokensTaken[i] ? 1 : 0;
        }
        try
        {
            // Fire and forget: a settlement lost on the way leaves its ticket's slot taken until the lease ends, and tokens
            // reserved that drain within the minute anyway.
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
        Interlocked.Increment(ref _refusals[(int)limit]);
        return new GatewayError(429, ErrorKind.RateLimited, message, "rate_limit_exceeded") { RetryAfter = retryAfter };
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning,
        Message = "Redis cannot be reached ({Reason}): rate limits are counted in this instance at 1/redis.expectedInstances of each until it is back")]
    private static partial void LogDegraded(ILogger logger, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Redis is reachable again: rate limits are shared between instances again")]
    private static partial void LogRecovered(ILogger logger);
}
