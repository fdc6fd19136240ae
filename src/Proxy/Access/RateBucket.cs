namespace LlmProxy.Access;

/// <summary>
/// One per-minute rate limit as GCRA (the generic cell rate algorithm, ITU-T I.371), kept in its leaky-bucket form: a
/// level in token-ticks that drains at <c>limit</c> tokens per minute and may hold at most a minute's worth. GCRA and
/// not a window: a fixed window lets twice the limit through across its edge, a sliding log costs memory per request;
/// GCRA is one number per limit, exact, spreads a refused burst out evenly, and takes the negative and late
/// corrections that reconciling a reservation with the provider's usage needs. Counting the level instead of a
/// theoretical arrival time keeps it meaningful when an admin changes the limit. Not thread-safe: the caller locks.
/// Times are <see cref="DateTimeOffset.UtcTicks"/> (100 ns).
/// </summary>
internal struct RateBucket
{
    /// <summary>The period a limit counts over: per minute (rpm, tpm).</summary>
    public const long Window = TimeSpan.TicksPerMinute;

    private Int128 _level;
    private long _at;

    /// <summary>Lets what has drained since the last call go, at <paramref name="limit"/> per minute.</summary>
    public void Drain(long limit, long now)
    {
        if (now <= _at)
        {
            return; // the clock stood still or stepped back: nothing drained
        }
        var drained = (Int128)limit * (now - _at);
        _level = _level > drained ? _level - drained : 0;
        _at = now;
    }

    /// <summary>Whether <paramref name="cost"/> more fits under <paramref name="limit"/> now (after <see cref="Drain"/>).</summary>
    public readonly bool Fits(long limit, long cost) => _level + (Int128)cost * Window <= (Int128)limit * Window;

    /// <summary>Adds <paramref name="cost"/> (negative to give back; the level never goes below empty).</summary>
    public void Add(long cost)
    {
        _level += (Int128)cost * Window;
        if (_level < 0)
        {
            _level = 0;
        }
    }

    /// <summary>How much more fits now, in whole requests or tokens.</summary>
    public readonly long Remaining(long limit)
    {
        var room = (Int128)limit * Window - _level;
        return room <= 0 ? 0 : (long)(room / Window);
    }

    /// <summary>How long until the bucket is empty again: the whole limit available (OpenAI's <c>x-ratelimit-reset-*</c>).</summary>
    public readonly TimeSpan UntilEmpty(long limit) => TimeSpan.FromTicks((long)CeilingDivide(_level, limit));

    /// <summary>How long until <paramref name="cost"/> would fit.</summary>
    public readonly TimeSpan UntilFits(long limit, long cost)
    {
        var excess = _level + (Int128)cost * Window - (Int128)limit * Window;
        return excess <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)CeilingDivide(excess, limit));
    }

    private static Int128 CeilingDivide(Int128 value, long by) => (value + by - 1) / by;
}
