using System.Diagnostics;

namespace LlmProxy.Testing;

/// <summary>
/// Waits for what a proxy does just after answering, or what another instance hears a moment later (a usage record, a
/// signal through Redis): the condition is polled every 20 ms until it holds or <c>within</c> (10 s unless given) has
/// passed, so a test neither races the proxy nor sleeps a fixed time.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(10);

    /// <summary>True as soon as <paramref name="condition"/> holds; false when it still does not after <paramref name="within"/>.</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return true;
            }
            if (clock.Elapsed >= (within ?? DefaultWithin))
            {
                return false;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>As <see cref="HoldsAsync(Func{Task{bool}}, TimeSpan?)"/>, for a condition read without waiting.</summary>
    public static Task<bool> HoldsAsync(Func<bool> condition, TimeSpan? within = null) => HoldsAsync(() => Task.FromResult(condition()), within);
}
