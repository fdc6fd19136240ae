using LlmProxy.Hosting;
using StackExchange.Redis;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Wakes a waiter on this instance whenever the run of a response on another one announces a change on its channel (an
/// event, its end); unsubscribes when disposed. Several signals for one run (several followers) each have their own handler.
/// </summary>
internal sealed class RunSignal(SharedBackgroundRuns runs, string id) : IDisposable
{
    private readonly Wakeup _wake = new();
    private readonly RedisChannel _channel = runs.Channel(id);
    private Action<RedisChannel, RedisValue>? _handler;

    /// <summary>Subscribes; changes announced from here on wake <see cref="WaitAsync"/>.</summary>
    public async Task SubscribeAsync()
    {
        _handler = (_, _) => _wake.Wake();
        await runs.Redis.GetSubscriber().SubscribeAsync(_channel, _handler);
    }

    /// <summary>Waits for a change announced since the last wait, or <paramref name="timeout"/>, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose()
    {
        if (_handler is { } handler)
        {
            try
            {
                runs.Redis.GetSubscriber().Unsubscribe(_channel, handler, CommandFlags.FireAndForget);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Gone with the connection; a stale handler only releases a semaphore nobody waits on.
            }
        }
        _wake.Dispose();
    }
}
