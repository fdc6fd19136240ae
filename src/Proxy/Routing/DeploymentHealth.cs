using LlmProxy.Config;
using LlmProxy.Providers;

namespace LlmProxy.Routing;

/// <summary>
/// What the router knows about one deployment: requests in flight, an EWMA of time to first byte, and a circuit
/// breaker. <see cref="RoutingDefaults.CooldownFailures"/> retryable failures within the window put it in cooldown for
/// <see cref="RoutingDefaults.CooldownMs"/> (or a longer Retry-After); after that one probe is let through, and its
/// outcome closes the breaker or opens it again. Client errors (400, 401...) are not the deployment's fault and do not count.
/// Instances sharing Redis tell each other when they open or close the breaker (<see cref="Broadcast"/>, <see cref="Heard"/>):
/// one that hears of a cooldown skips the deployment as well, and leaves the probe to the instance that opened it.
/// </summary>
internal sealed class DeploymentHealth(RoutingDefaults policy, TimeProvider time)
{
    // Weight of the newest sample in the time-to-first-byte average.
    private const double LatencyAlpha = 0.3;
    private readonly Lock _lock = new();
    private readonly long[] _failureTimes = new long[policy.CooldownFailures];
    private int _failureCount;
    private int _nextFailure;
    private long _coolingUntil;
    private bool _halfOpen;
    private bool _probeInFlight;
    // Until when this instance leaves the half-open probe to the instance that opened the breaker (0: it probes itself).
    private long _probeDeferredUntil;
    private int _inFlight;
    private double _latencyMs;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Average time to first byte in milliseconds; 0 until the first success, which makes a new deployment worth trying.</summary>
    public double LatencyMs
    {
        get
        {
            lock (_lock)
            {
                return _latencyMs;
            }
        }
    }

    public string? LastError { get; private set; }

    /// <summary>Names this deployment between instances: <c>{alias}\t{provider}/{model}</c>.</summary>
    public string Key { get; init; } = "";

    /// <summary>The <see cref="Key"/> of <paramref name="config"/> serving <paramref name="alias"/>.</summary>
    public static string KeyOf(string alias, DeploymentConfig config) => $"{alias}\t{config.Provider}/{config.Model}";

    /// <summary>Where breaker changes made here are told to the other instances; null when health is not shared.</summary>
    public HealthBroadcast? Broadcast { get; init; }

    public (HealthState State, DateTimeOffset? Until) Snapshot()
    {
        lock (_lock)
        {
            var now = Now();
            return now < _coolingUntil ? (HealthState.CoolingDown, DateTimeOffset.FromUnixTimeMilliseconds(_coolingUntil))
                : _halfOpen ? (HealthState.HalfOpen, null)
                : (HealthState.Healthy, null);
        }
    }

    /// <summary>Whether a request may go to this deployment now; half-open lets one probe through at a time.</summary>
    public bool TryAdmit()
    {
        lock (_lock)
        {
            if (Now() < _coolingUntil)
            {
                return false;
            }
            if (_halfOpen)
            {
                if (_probeInFlight || Now() < _probeDeferredUntil)
                {
                    return false;
                }
                _probeInFlight = true;
            }
            _inFlight++;
            return true;
        }
    }

    /// <summary>A request sent without admission (every deployment was cooling down: trying beats refusing).</summary>
    public void Force()
    {
        lock (_lock)
        {
            _inFlight++;
        }
    }

    public void Succeeded(TimeSpan timeToFirstByte)
    {
        lock (_lock)
        {
            _inFlight--;
            // Told to the others only after the cooldown (the probe's verdict): a request sent before the breaker opened
            // that succeeds late closes it here, and says nothing of the deployment now.
            if (_halfOpen && Now() >= _coolingUntil)
            {
                Broadcast?.Send?.Invoke(Key, 0); // under the lock: the others hear opens and closes in the order they happened
            }
            Close();
            var sample = timeToFirstByte.TotalMilliseconds;
            _latencyMs = _latencyMs == 0 ? sample : LatencyAlpha * sample + (1 - LatencyAlpha) * _latencyMs;
        }
    }

    /// <summary>
    /// Another instance opened this deployment's breaker for <paramref name="cooldownMs"/> (it keeps the probe: this one
    /// waits one more cooldown for its verdict before probing itself), or closed it (0) when its probe succeeded.
    /// </summary>
    public void Heard(long cooldownMs)
    {
        lock (_lock)
        {
            if (cooldownMs <= 0)
            {
                Close();
                return;
            }
            var now = Now();
            // An instance that opened the breaker itself at the same time keeps its own probe.
            var openedHere = _halfOpen && _probeDeferredUntil == 0;
            _coolingUntil = Math.Max(_coolingUntil, now + cooldownMs);
            _halfOpen = true;
            _failureCount = 0;
            _probeDeferredUntil = openedHere ? 0 : _coolingUntil + Math.Max(cooldownMs, policy.CooldownMs);
        }
    }

    /// <summary>The request ended without telling anything about the deployment (the client went away, a client error).</summary>
    public void Released()
    {
        lock (_lock)
        {
            _inFlight--;
            _probeInFlight = false;
        }
    }

    public void Failed(ProviderError error)
    {
        if (!error.IsRetryable)
        {
            Released();
            return;
        }
        lock (_lock)
        {
            _inFlight--;
            // The class of failure only: /health is open to anyone, and providers' messages may quote prompts or key prefixes.
            LastError = error.Kind == ProviderErrorKind.UpstreamStatus ? $"HTTP {error.Status}" : error.Kind.ToString().ToLowerInvariant();
            var now = Now();
            var wasProbe = _probeInFlight;
            _probeInFlight = false;
            _failureTimes[_nextFailure] = now;
            _nextFailure = (_nextFailure + 1) % _failureTimes.Length;
            _failureCount = Math.Min(_failureCount + 1, _failureTimes.Length);
            if (wasProbe || RecentFailures(now) >= _failureTimes.Length)
            {
                var cooldown = Math.Max(policy.CooldownMs, (long)(error.RetryAfter?.TotalMilliseconds ?? 0));
                _coolingUntil = now + cooldown;
                _halfOpen = true;
                _failureCount = 0;
                _probeDeferredUntil = 0;
                Broadcast?.Send?.Invoke(Key, cooldown);
            }
        }
    }

    private void Close()
    {
        _failureCount = 0;
        _coolingUntil = _probeDeferredUntil = 0;
        _halfOpen = _probeInFlight = false;
    }

    private int RecentFailures(long now)
    {
        var count = 0;
        for (var i = 0; i < _failureCount; i++)
        {
            count += now - _failureTimes[i] <= policy.CooldownWindowMs ? 1 : 0;
        }
        return count;
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
