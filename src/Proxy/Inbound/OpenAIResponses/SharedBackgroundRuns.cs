using System.Diagnostics;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Storage;
using StackExchange.Redis;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Background runs seen by every instance sharing a Redis (keys in <see cref="SharedRunScripts"/>): the instance that runs
/// one registers it and shares its events, so a client may follow or resume its stream, cancel it or delete it through any
/// instance. A cancel asked of another instance is published on <c>{keyPrefix}responses:cancel</c> (<c>{id}\n{owner}</c>),
/// which every instance hears, and the one running it stops it as a local cancel would. Redis away: each instance knows
/// only its own runs, as without a <c>redis</c> section.
/// </summary>
internal sealed partial class SharedBackgroundRuns(IConnectionMultiplexer redis, RedisOptions options, InstanceId instance, ILogger<SharedBackgroundRuns> logger)
{
    /// <summary>How long a run's events stay after its last one while it runs (a run silent longer than this loses them).</summary>
    public static readonly TimeSpan RunningEventsExpiry = TimeSpan.FromHours(1);

    /// <summary>How long a run's events stay after it ended, for followers still reading them; later ones replay the store.</summary>
    public static readonly TimeSpan EndedEventsExpiry = TimeSpan.FromMinutes(10);

    /// <summary>A follower reads the list at least this often, in case a message was missed (pub/sub is at most once).</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    // Longer than any run should take; it only bounds what a crashed instance leaves behind.
    private static readonly TimeSpan RunKeyExpiry = TimeSpan.FromDays(1);

    private readonly RedisKey _instances = options.KeyPrefix + "instances";
    private readonly RedisChannel _cancels = RedisChannel.Literal(options.KeyPrefix + "responses:cancel");
    private int _warned;

    public IConnectionMultiplexer Redis => redis;

    public InstanceId Instance => instance;

    public RedisKey RunKey(string id) => options.KeyPrefix + "responses:" + id + ":run";

    public RedisKey EventsKey(string id) => options.KeyPrefix + "responses:" + id + ":events";

    public RedisChannel Channel(string id) => RedisChannel.Literal(options.KeyPrefix + "responses:" + id);

    /// <summary>
    /// Registers the run of <paramref name="id"/> as this instance's, before its client hears of it, so that any instance
    /// asked about it next finds it; null when Redis is away (the run is then this process's only).
    /// </summary>
    public async Task<SharedRun?> RegisterAsync(string id)
    {
        if (!redis.IsConnected)
        {
            return null;
        }
        try
        {
            await redis.GetDatabase().StringSetAsync(RunKey(id), instance.Value, RunKeyExpiry);
            Volatile.Write(ref _warned, 0);
            return new SharedRun(this, id);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Unreachable(e);
            return null;
        }
    }

    /// <summary>Where the run of <paramref name="id"/> is; <see cref="RunPlace.Unknown"/> when Redis cannot say.</summary>
    public async Task<RunPlace> LocateAsync(string id)
    {
        if (!redis.IsConnected)
        {
            return RunPlace.Unknown;
        }
        try
        {
            var owner = await redis.GetDatabase().ScriptEvaluateAsync(SharedRunScripts.Locate, [RunKey(id), _instances],
                [(long)RedisInstances.Expiry.TotalMilliseconds]);
            return owner.IsNull ? RunPlace.None
                : (string?)owner is not { Length: > 0 } name ? RunPlace.Gone
                : name == instance.Value ? RunPlace.Here
                : RunPlace.Elsewhere;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Unreachable(e);
            return RunPlace.Unknown;
        }
    }

    /// <summary>
    /// The events of <paramref name="id"/>'s run to follow from this instance: while another live instance runs it, or for a
    /// few minutes after it ended; null when there is none (never shared, gone with its instance, or Redis away).
    /// </summary>
    public async Task<SharedRunFeed?> FeedAsync(string id)
    {
        var place = await LocateAsync(id);
        if (place is RunPlace.Elsewhere or RunPlace.Here)
        {
            return new SharedRunFeed(this, id);
        }
        try
        {
            // Ended between the caller's read of the store and now: its list still holds every event and the end marker.
            var last = redis.IsConnected ? await redis.GetDatabase().ListGetByIndexAsync(EventsKey(id), -1) : RedisValue.Null;
            return !last.IsNull && last.IsNullOrEmpty ? new SharedRunFeed(this, id) : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Unreachable(e);
            return null;
        }
    }

    /// <summary>
    /// Asks the instance running <paramref name="id"/> for <paramref name="owner"/> to stop it, then waits up to
    /// <paramref name="wait"/> until it has stored its end. Returns where the run was: <see cref="RunPlace.Elsewhere"/>
    /// when it was asked (and ended, or is still going after the wait), <see cref="RunPlace.Gone"/> when its instance
    /// stopped stamping meanwhile (nothing will end it), <see cref="RunPlace.Unknown"/> when Redis cannot say, else that
    /// no other instance runs it.
    /// </summary>
    public async Task<RunPlace> StopElsewhereAsync(string id, string owner, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var wake = new RunSignal(this, id);
        try
        {
            await wake.SubscribeAsync();
            var place = await LocateAsync(id);
            if (place != RunPlace.Elsewhere)
            {
                return place;
            }
            await redis.GetSubscriber().PublishAsync(_cancels, id + "\n" + owner);
            var asked = Stopwatch.GetTimestamp();
            // The run's end is published on its channel; the poll covers a message lost on the way, and an instance that
            // died meanwhile (or before: its stamp had not expired yet) shows as gone within the stamps' expiry.
            while (Stopwatch.GetElapsedTime(asked) < wait)
            {
                place = await LocateAsync(id);
                if (place != RunPlace.Elsewhere)
                {
                    return place == RunPlace.None ? RunPlace.Elsewhere : place; // None: it stored its end and unregistered
                }
                await wake.WaitAsync(Poll, cancellationToken);
            }
            return RunPlace.Elsewhere;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Unreachable(e);
            return RunPlace.Unknown;
        }
    }

    /// <summary>Calls <paramref name="cancel"/> with the id and owner of each run another instance asks to stop.</summary>
    public async Task ListenForCancelsAsync(Action<string, string> cancel)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(_cancels, (_, message) =>
            {
                var text = (string?)message;
                var cut = text?.IndexOf('\n') ?? -1;
                if (cut > 0)
                {
                    cancel(text![..cut], text[(cut + 1)..]);
                }
            });
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Unreachable(e); // SE.Redis subscribes again when it reconnects
        }
    }

    /// <summary>Notes that Redis could not be used: logged once until it serves again.</summary>
    public void Unreachable(Exception e)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            LogUnreachable(logger, RedisFailure.Reason(e));
        }
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "background responses cannot be shared through Redis ({Reason}); each instance serves its own runs until it is back")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}
