using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>
/// The most request-body bytes held in memory at once (<c>server.maxBufferedBodyBytes</c>), across all requests: the
/// proxy reads bodies whole, so without a bound a burst of large bodies takes memory the machine does not have. A
/// body that does not fit waits a moment for others to finish, then is refused with 503 and Retry-After. It also
/// counts the large bodies (held outside the buffer pool) that <c>MemoryTrimmer</c> gives back once the load is gone.
/// </summary>
internal sealed class BodyBudget(long maxBytes)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private readonly Lock _lock = new();
    private long _held;
    private int _largeBodies;
    private bool _largeSinceTrim;

    public long MaxBytes => maxBytes;

    /// <summary>Takes <paramref name="bytes"/> from the budget, waiting up to a second for room; false when there is none.</summary>
    public async ValueTask<bool> TryTakeAsync(long bytes, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!TryTake(bytes))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>A body took a buffer of its own outside the pool (see <see cref="RequestBody.PooledLimit"/>).</summary>
    public void LargeBufferAllocated()
    {
        lock (_lock)
        {
            _largeBodies++;
            _largeSinceTrim = true;
        }
    }

    /// <summary>A buffer counted by <see cref="LargeBufferAllocated"/> is no longer held.</summary>
    public void LargeBufferFreed()
    {
        lock (_lock)
        {
            _largeBodies--;
        }
    }

    /// <summary>Gives back the bytes a body took.</summary>
    public void Give(long bytes)
    {
        lock (_lock)
        {
            _held -= bytes;
        }
    }

    /// <summary>
    /// True once, after large bodies were held, when none is held any more (small ones and open streams may be): the
    /// moment to give memory back.
    /// </summary>
    public bool TakeIdleAfterLargeBodies()
    {
        lock (_lock)
        {
            if (!_largeSinceTrim || _largeBodies > 0)
            {
                return false;
            }
            _largeSinceTrim = false;
            return true;
        }
    }

    public static GatewayError Exhausted(long maxBytes) => new(503, ErrorKind.Unavailable,
        $"The proxy is holding as many request bodies as it may ({maxBytes} bytes, server.maxBufferedBodyBytes); retry shortly.", "server_busy")
    {
        RetryAfter = TimeSpan.FromSeconds(1),
    };

    private bool TryTake(long bytes)
    {
        lock (_lock)
        {
            // A body alone larger than the budget could never fit; it is let through when nothing else is held.
            if (_held + bytes > maxBytes && _held > 0)
            {
                return false;
            }
            _held += bytes;
            return true;
        }
    }
}
