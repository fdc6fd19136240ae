namespace LlmProxy.Access;

/// <summary>
/// One rate limit as the headers report it after a request was admitted: the limit per minute, what remains, and how
/// long until all of it is available again. <see cref="Limit"/> 0: no such limit.
/// </summary>
internal readonly record struct RateLimitSnapshot(long Limit, long Remaining, TimeSpan Reset)
{
    /// <summary>The tighter of two limits: the one with less remaining.</summary>
    public static RateLimitSnapshot Tighter(RateLimitSnapshot a, RateLimitSnapshot b) =>
        a.Limit == 0 ? b : b.Limit == 0 ? a : b.Remaining < a.Remaining ? b : a;
}
