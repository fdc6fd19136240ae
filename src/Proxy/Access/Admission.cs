using LlmProxy.Canonical;

namespace LlmProxy.Access;

/// <summary>
/// The limiter's answer to one request: refused (<see cref="Refusal"/>, a 429 for the client's dialect), or admitted
/// with what it reserved, which <see cref="IRequestLimiter.Settle"/> must later reconcile exactly once. The snapshots
/// feed the rate-limit headers (the tighter of the key's and the team's).
/// </summary>
internal sealed class Admission
{
    /// <summary>A key and team without limits: nothing reserved, nothing to settle.</summary>
    public static readonly Admission Unlimited = new(null, null, default, default, default, null);

    private int _settled;

    public Admission(LimitCounters? key, LimitCounters? team, Reservation reservation, RateLimitSnapshot requests, RateLimitSnapshot tokens,
        GatewayError? refusal)
    {
        Key = key;
        Team = team;
        Reservation = reservation;
        Requests = requests;
        Tokens = tokens;
        Refusal = refusal;
    }

    /// <summary>The 429 to answer with; null when admitted.</summary>
    public GatewayError? Refusal { get; }

    /// <summary>The requests-per-minute limit after this request, for the headers (the tighter of key and team).</summary>
    public RateLimitSnapshot Requests { get; }

    /// <summary>The tokens-per-minute limit after this request's reservation, for the headers.</summary>
    public RateLimitSnapshot Tokens { get; }

    /// <summary>What the request reserved (the estimate a client that leaves is billed).</summary>
    public Reservation Reservation { get; }

    /// <summary>
    /// The budget periods the key's and the team's counters were in when the request was admitted (their starts): its
    /// spend counts there, and nowhere if that period has ended by the time it settles.
    /// </summary>
    internal DateTimeOffset KeyPeriod { get; init; }

    internal DateTimeOffset TeamPeriod { get; init; }

    internal LimitCounters? Key { get; }

    internal LimitCounters? Team { get; }

    /// <summary>Whether the key's (the team's) tokens-per-minute bucket took the reservation, so settling corrects it.</summary>
    internal bool KeyTokens { get; init; }

    internal bool TeamTokens { get; init; }

    /// <summary>What a shared limiter (<see cref="RedisRequestLimiter"/>) reserved in Redis for this request; null when counted here.</summary>
    internal RedisTicket? Shared { get; init; }

    /// <summary>Admitted while Redis was away (<see cref="RedisRequestLimiter"/>): the admission of the budgets on this process's copy.</summary>
    internal Admission? Local { get; init; }

    /// <summary>True the first time only, for an admission of a shared limiter, whatever it holds in this process.</summary>
    internal bool TrySettleShared() => Refusal is null && Interlocked.Exchange(ref _settled, 1) == 0;

    /// <summary>True the first time only: a second settle of the same admission must not give back twice.</summary>
    internal bool TrySettle() => Refusal is null && (Key is not null || Team is not null) && Interlocked.Exchange(ref _settled, 1) == 0;
}
