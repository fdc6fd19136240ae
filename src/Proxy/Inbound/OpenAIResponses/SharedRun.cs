using StackExchange.Redis;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// A background run registered in Redis by the instance running it: each event its log appends is pushed to the run's
/// list and announced (<see cref="Push"/>), and its end marked once its final state is stored (<see cref="EndAsync"/>).
/// </summary>
internal sealed class SharedRun
{
    private readonly SharedBackgroundRuns _runs;
    private readonly RedisKey[] _events;
    private readonly RedisKey[] _eventsAndRun;
    private readonly RedisValue _channel;

    public SharedRun(SharedBackgroundRuns runs, string id)
    {
        _runs = runs;
        _events = [runs.EventsKey(id)];
        _eventsAndRun = [_events[0], runs.RunKey(id)];
        _channel = runs.Channel(id).ToString();
    }

    /// <summary>
    /// Sends event <paramref name="sequenceNumber"/>, without waiting: commands on one multiplexer reach Redis in the order
    /// sent, so the list keeps the log's order (and ends early if one is lost, see <see cref="SharedRunScripts.Push"/>).
    /// </summary>
    public void Push(int sequenceNumber, byte[] sseEvent)
    {
        try
        {
            _runs.Redis.GetDatabase().ScriptEvaluate(SharedRunScripts.Push, _events,
                [sseEvent, (long)SharedBackgroundRuns.RunningEventsExpiry.TotalMilliseconds, _channel, sequenceNumber], CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _runs.Unreachable(e); // followers elsewhere miss this event; the run and its followers here do not
        }
    }

    /// <summary>Marks the run ended (its final state is stored) and unregisters it; its events stay a few minutes for late followers.</summary>
    public async Task EndAsync()
    {
        try
        {
            await _runs.Redis.GetDatabase().ScriptEvaluateAsync(SharedRunScripts.End, _eventsAndRun,
                [(long)SharedBackgroundRuns.EndedEventsExpiry.TotalMilliseconds, _channel, _runs.Instance.Value]);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            _runs.Unreachable(e); // the run key stays, naming this instance: once it stops stamping, the run reads as gone
        }
    }
}
