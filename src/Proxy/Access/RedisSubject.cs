using LlmProxy.Config;
using StackExchange.Redis;

namespace LlmProxy.Access;

/// <summary>
/// One key's or team's Redis keys (see <see cref="RedisLimitScripts"/>): <c>{prefix}{id}</c> the rate buckets,
/// <c>{prefix}{id}:inflight</c> the leases of requests in flight, <c>{prefix}{id}:budget</c> the budget; and its budget
/// period as the scripts name it, worked out once per period rather than per request.
/// </summary>
internal sealed class RedisSubject(string prefix, string id)
{
    private volatile BudgetWindow? _window;

    public RedisKey Rates { get; } = prefix + id;

    public RedisKey InFlight { get; } = prefix + id + ":inflight";

    public RedisKey Budget { get; } = prefix + id + ":budget";

    /// <summary>
    /// The budget period of kind <paramref name="kind"/> that contains <paramref name="now"/>: its kind's name, its start
    /// (Unix s), and when its Redis hash may expire (Unix ms, a day after the period ends; -1 for a budget that never resets).
    /// </summary>
    public BudgetWindow Window(BudgetPeriod kind, DateTimeOffset now)
    {
        var window = _window;
        if (window is not null && window.Kind == kind && now < window.End)
        {
            return window;
        }
        var reset = BudgetCalendar.Reset(kind, now);
        window = new BudgetWindow(kind, BudgetCalendar.Name(kind), BudgetCalendar.Start(kind, now).ToUnixTimeSeconds(),
            reset?.AddDays(1).ToUnixTimeMilliseconds() ?? -1, reset ?? DateTimeOffset.MaxValue);
        _window = window;
        return window;
    }

    /// <summary>A budget period: see <see cref="Window"/>; <see cref="End"/> is where the next one starts.</summary>
    internal sealed record BudgetWindow(BudgetPeriod Kind, string Name, long StartSeconds, long ExpiresMs, DateTimeOffset End);
}
