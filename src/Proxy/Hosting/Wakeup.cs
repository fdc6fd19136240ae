namespace LlmProxy.Hosting;

/// <summary>
/// Wakes one waiter early: <see cref="Wake"/> from a Redis message handler (or any thread) ends the current or next
/// <see cref="WaitAsync"/> at once; wakes that come while one is already due count once. Never throws from
/// <see cref="Wake"/>, even after <see cref="Dispose"/> (a late message).
/// </summary>
internal sealed class Wakeup : IDisposable
{
    private readonly SemaphoreSlim _due = new(0, 1);

    /// <summary>True when woken, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _due.WaitAsync(timeout, cancellationToken);

    public void Wake()
    {
        try
        {
            _due.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // A wake-up is already due, or the waiter left.
        }
    }

    public void Dispose() => _due.Dispose();
}
