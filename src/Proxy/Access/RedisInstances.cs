using LlmProxy.Config;
using LlmProxy.Storage;
using StackExchange.Redis;

namespace LlmProxy.Access;

/// <summary>
/// How many instances share the Redis, so that each knows what share of a limit to count while Redis is away: every
/// <see cref="Beat"/> an instance stamps its id in the sorted set <c>{keyPrefix}instances</c> with the Redis server's
/// time, drops ids not stamped for <see cref="Expiry"/>, and reads how many remain. The limiter divides by the larger
/// of that count (the last one seen before Redis went away) and <c>redis.expectedInstances</c>.
/// </summary>
internal sealed class RedisInstances(IConnectionMultiplexer redis, RedisOptions options, RedisRequestLimiter limiter, InstanceId instance) : BackgroundService
{
    public static readonly TimeSpan Beat = TimeSpan.FromSeconds(1);

    /// <summary>An id not stamped for this long belongs to an instance that is gone.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(5);

    // KEYS[1]: the set; ARGV[1]: this instance's id; ARGV[2]: the expiry in ms. Returns the live count.
    private const string Stamp = RedisLua.Now + """
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 4)
        return redis.call('ZCARD', KEYS[1])
        """;

    private readonly RedisKey _set = options.KeyPrefix + "instances";
    private readonly RedisValue _id = instance.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Beat);
        try
        {
            do
            {
                try
                {
                    limiter.LiveInstances = (int)await redis.GetDatabase().ScriptEvaluateAsync(Stamp, [_set], [_id, (long)Expiry.TotalMilliseconds]);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    // Redis away: the last count stands, which is what the fallback divides by.
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
        try
        {
            // A clean stop leaves the set at once, so the others' count is right without waiting for the expiry.
            await redis.GetDatabase().SortedSetRemoveAsync(_set, _id, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
        }
    }
}
