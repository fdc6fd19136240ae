using LlmProxy.Config;
using LlmProxy.Storage;
using StackExchange.Redis;

namespace LlmProxy.Routing;

/// <summary>
/// Shares deployment cooldowns between instances on one Redis: when an instance opens a deployment's breaker it publishes
/// <c>{origin}\t{cooldownMs}\t{alias}\t{provider}/{model}</c> on <c>{keyPrefix}health</c>, and when its probe closes it,
/// the same with 0. Every other instance applies it to its deployment of that alias (<see cref="DeploymentHealth.Heard"/>):
/// a deployment cooled down by one is skipped by all, and only the one that opened it probes. The breakers open now are
/// also kept in the hash <c>{keyPrefix}health:open</c> (deployment → end of its cooldown, on the Redis server's clock), which an
/// instance reads when it starts and when its connection comes back: one that was away when a message went learns it then.
/// </summary>
internal sealed partial class SharedDeploymentHealth(IConnectionMultiplexer redis, RedisOptions options, ModelCatalog catalog,
    ILogger<SharedDeploymentHealth> logger) : BackgroundService
{
    // KEYS[1]: the hash of open breakers. ARGV[1]: the deployment; ARGV[2]: its cooldown in ms, 0 closed; ARGV[3]: the
    // channel; ARGV[4]: the message. Records the breaker (the later end, if another instance opened it for longer) and
    // publishes the message, in one step.
    private const string Tell = RedisLua.Now + """
        if tonumber(ARGV[2]) > 0 then
          local ends = math.max(now + tonumber(ARGV[2]), tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or 0))
          redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f', ends))
          redis.call('PEXPIRE', KEYS[1], 86400000)
        else
          redis.call('HDEL', KEYS[1], ARGV[1])
        end
        redis.call('PUBLISH', ARGV[3], ARGV[4])
        """;

    // KEYS[1]: the hash of open breakers. Returns each deployment still cooling down and the ms it has left; drops the
    // entries whose cooldown ended a day ago (their instance never told the probe's verdict: it stopped).
    private const string Open = RedisLua.Now + """
        local out = {}
        local all = redis.call('HGETALL', KEYS[1])
        for i = 1, #all, 2 do
          local left = tonumber(all[i + 1]) - now
          if left > 0 then
            out[#out + 1] = all[i]
            out[#out + 1] = string.format('%.0f', left)
          elseif left < -86400000 then
            redis.call('HDEL', KEYS[1], all[i])
          end
        end
        return out
        """;

    // Tells this instance's own messages apart when they come back.
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly RedisKey _open = options.KeyPrefix + "health:open";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = RedisChannel.Literal(options.KeyPrefix + "health");
        catalog.Broadcast.Send = (key, cooldownMs) =>
        {
            try
            {
                redis.GetDatabase().ScriptEvaluate(Tell, [_open], [key, cooldownMs, channel.ToString(), $"{_origin}\t{cooldownMs}\t{key}"],
                    CommandFlags.FireAndForget);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis away: the others judge the deployment by their own requests meanwhile.
            }
        };
        // Once per reconnection: the subscription's connection reports its own.
        redis.ConnectionRestored += (_, args) =>
        {
            if (args.ConnectionType == ConnectionType.Interactive)
            {
                _ = CatchUpAsync();
            }
        };
        try
        {
            await redis.GetSubscriber().SubscribeAsync(channel, (_, message) => Apply(message.ToString()));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogSubscribeFailed(logger, RedisFailure.Reason(e)); // SE.Redis subscribes again when it reconnects
        }
        await CatchUpAsync();
    }

    // Applies every breaker open now: what messages this instance missed (it was starting, or Redis was away) would have said.
    private async Task CatchUpAsync()
    {
        try
        {
            var open = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Open, [_open]))!;
            for (var i = 0; i + 1 < open.Length; i += 2)
            {
                Apply((string)open[i]!, (long)open[i + 1]);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis away: caught up when the connection comes back.
        }
    }

    /// <summary>Applies one message; one this instance sent, or that it cannot read, is ignored.</summary>
    internal void Apply(string message)
    {
        var parts = message.Split('\t', 3);
        if (parts.Length == 3 && parts[0] != _origin && long.TryParse(parts[1], out var cooldownMs))
        {
            Apply(parts[2], cooldownMs);
        }
    }

    // Tells this instance's deployment named key (alias, tab, provider/model) of another's cooldown, or its end (0).
    private void Apply(string key, long cooldownMs)
    {
        var aliasEnd = key.LastIndexOf('\t');
        if (aliasEnd <= 0 || catalog.Find(key[..aliasEnd]) is not { } found)
        {
            return;
        }
        // A wildcard's name is kept, so the route its next request finds is the one told.
        var route = catalog.Keep(found);
        foreach (var deployment in route.Deployments)
        {
            if (deployment.Health.Key == key)
            {
                deployment.Health.Heard(cooldownMs);
            }
        }
    }

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "subscribing to deployment health on Redis failed ({Reason}); retried when it reconnects")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);
}
