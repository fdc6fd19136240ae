using LlmProxy.Config;
using StackExchange.Redis;

namespace LlmProxy.Routing;

/// <summary>
/// Shares deployment cooldowns between instances on one Redis: when an instance opens a deployment's breaker it publishes
/// <c>{origin}\t{cooldownMs}\t{alias}\t{provider}/{model}</c> on <c>{keyPrefix}health</c>, and when its probe closes it,
/// the same with 0. Every other instance applies it to its deployment of that alias (<see cref="DeploymentHealth.Heard"/>):
/// a deployment cooled down by one is skipped by all, and only the one that opened it probes. Pub/sub reaches only
/// instances connected at the time: one that missed a message (Redis away, started later) judges the deployment by its
/// own requests, as a single instance does.
/// </summary>
internal sealed partial class SharedDeploymentHealth(IConnectionMultiplexer redis, RedisOptions options, ModelCatalog catalog,
    ILogger<SharedDeploymentHealth> logger) : BackgroundService
{
    // Tells this instance's own messages apart when they come back.
    private readonly string _origin = Guid.NewGuid().ToString("N");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = RedisChannel.Literal(options.KeyPrefix + "health");
        catalog.Broadcast.Send = (key, cooldownMs) =>
        {
            try
            {
                redis.GetSubscriber().Publish(channel, $"{_origin}\t{cooldownMs}\t{key}", CommandFlags.FireAndForget);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis away: the others judge the deployment by their own requests meanwhile.
            }
        };
        try
        {
            await redis.GetSubscriber().SubscribeAsync(channel, (_, message) => Apply(message.ToString()));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogSubscribeFailed(logger, e.Message); // SE.Redis subscribes again when it reconnects
        }
    }

    /// <summary>Applies one message; one this instance sent, or that it cannot read, is ignored.</summary>
    internal void Apply(string message)
    {
        var parts = message.Split('\t', 3);
        if (parts.Length != 3 || parts[0] == _origin || !long.TryParse(parts[1], out var cooldownMs))
        {
            return;
        }
        var key = parts[2];
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
