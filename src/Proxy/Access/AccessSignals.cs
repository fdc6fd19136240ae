using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Storage;
using StackExchange.Redis;

namespace LlmProxy.Access;

/// <summary>
/// Keeps every instance's keys and teams as the shared store has them: after an admin change an instance publishes on
/// the Redis channel <c>{keyPrefix}access</c>, and each instance that hears it reloads from the store (a key created or
/// revoked through one instance is taken or refused by the others within milliseconds). Pub/sub delivers only to those
/// connected: an instance also reloads every <see cref="Poll"/>, and at once when its connection to Redis comes back,
/// so a message missed while Redis was away costs at most that long. Without a <c>redis</c> section but on a shared
/// PostgreSQL, the poll alone keeps instances in step.
/// </summary>
internal sealed partial class AccessSignals(AccessDirectory directory, IAccessStore store, IConnectionMultiplexer? redis, RedisOptions? options,
    ILogger<AccessSignals> logger) : BackgroundService
{
    /// <summary>How often each instance reloads keys and teams whatever it heard.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(10);

    private readonly Wakeup _wake = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        directory.SharedStore = true;
        if (redis is not null)
        {
            var channel = RedisChannel.Literal(options!.KeyPrefix + "access");
            directory.StoreChanged = () => redis.GetSubscriber().Publish(channel, "changed", CommandFlags.FireAndForget);
            redis.ConnectionRestored += (_, _) => _wake.Wake();
            try
            {
                await redis.GetSubscriber().SubscribeAsync(channel, (_, _) => _wake.Wake());
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogSubscribeFailed(logger, RedisFailure.Reason(e)); // SE.Redis subscribes again when it reconnects
            }
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(Poll, stoppingToken);
                await directory.ReloadAsync(store, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever failed (the database away, a row it cannot read), the keys this instance holds serve on: an
                // exception leaving this loop would stop the host, on every instance at once.
                LogReloadFailed(logger, e.Message);
            }
        }
    }

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "keys and teams could not be reloaded from the store ({Reason}); the ones held serve on")]
    private static partial void LogReloadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "subscribing to key changes on Redis failed ({Reason}); retried when it reconnects")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);
}
