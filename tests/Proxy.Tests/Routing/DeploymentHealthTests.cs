using LlmProxy.Config;
using LlmProxy.Providers;
using LlmProxy.Routing;

namespace LlmProxy.Tests.Routing;

public sealed class DeploymentHealthTests
{
    private static readonly RoutingDefaults Policy = RoutingDefaults.Default with { CooldownFailures = 3, CooldownWindowMs = 60_000, CooldownMs = 30_000 };
    private static readonly ProviderError ServerError = new(ProviderErrorKind.UpstreamStatus, "boom") { Status = 500 };

    private readonly ManualClock _clock = new();

    private DeploymentHealth Fail(DeploymentHealth health, int times, ProviderError? error = null)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.True(health.TryAdmit());
            health.Failed(error ?? ServerError);
        }
        return health;
    }

    [Fact]
    public void Failed_ThresholdWithinWindow_CoolsDownForTheCooldown()
    {
        var health = Fail(new DeploymentHealth(Policy, _clock), 3);

        Assert.Equal(HealthState.CoolingDown, health.Snapshot().State);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(30), health.Snapshot().Until);
        Assert.False(health.TryAdmit());
        Assert.Equal("HTTP 500", health.LastError);
    }

    [Fact]
    public void Failed_SpreadBeyondTheWindow_StaysHealthy()
    {
        var health = new DeploymentHealth(Policy, _clock);
        Fail(health, 2);
        _clock.Advance(TimeSpan.FromSeconds(61));
        Fail(health, 1);

        Assert.Equal(HealthState.Healthy, health.Snapshot().State);
    }

    [Fact]
    public void Failed_ClientErrors_DoNotCount()
    {
        var health = Fail(new DeploymentHealth(Policy, _clock), 5, new ProviderError(ProviderErrorKind.UpstreamStatus, "bad request") { Status = 400 });

        Assert.Equal(HealthState.Healthy, health.Snapshot().State);
        Assert.Equal(0, health.InFlight);
    }

    [Fact]
    public void Failed_LongerRetryAfter_StretchesTheCooldown()
    {
        var health = Fail(new DeploymentHealth(Policy, _clock), 3, new ProviderError(ProviderErrorKind.UpstreamStatus, "slow down") { Status = 429, RetryAfter = TimeSpan.FromMinutes(2) });

        Assert.Equal(_clock.GetUtcNow().AddMinutes(2), health.Snapshot().Until);
    }

    [Fact]
    public void AfterCooldown_OneProbeAtATime_SuccessClosesTheBreaker()
    {
        var health = Fail(new DeploymentHealth(Policy, _clock), 3);
        _clock.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(HealthState.HalfOpen, health.Snapshot().State);
        Assert.True(health.TryAdmit());
        Assert.False(health.TryAdmit()); // the probe is out: others wait for its verdict
        health.Succeeded(TimeSpan.FromMilliseconds(120));

        Assert.Equal(HealthState.Healthy, health.Snapshot().State);
        Assert.True(health.TryAdmit());
        Assert.Equal(120, health.LatencyMs);
    }

    [Fact]
    public void AfterCooldown_FailedProbe_CoolsDownAgainAtOnce()
    {
        var health = Fail(new DeploymentHealth(Policy, _clock), 3);
        _clock.Advance(TimeSpan.FromSeconds(31));

        Fail(health, 1);

        Assert.Equal(HealthState.CoolingDown, health.Snapshot().State);
    }

    [Fact]
    public void Succeeded_LatencyIsAnExponentialAverage()
    {
        var health = new DeploymentHealth(Policy, _clock);
        foreach (var ms in new[] { 100, 200 })
        {
            health.TryAdmit();
            health.Succeeded(TimeSpan.FromMilliseconds(ms));
        }

        Assert.Equal(130, health.LatencyMs, 3);
        Assert.Equal(0, health.InFlight);
    }

    [Fact]
    public void Failed_Opening_TellsTheOtherInstancesTheCooldownOnce()
    {
        var sent = new List<(string Key, long CooldownMs)>();
        var health = new DeploymentHealth(Policy, _clock) { Key = "gpt\tp0/m", Broadcast = new HealthBroadcast { Send = (key, ms) => sent.Add((key, ms)) } };

        Fail(health, 3);

        Assert.Equal([("gpt\tp0/m", 30_000L)], sent);
    }

    [Fact]
    public void Succeeded_ProbeAfterTheCooldown_TellsTheOthersTheBreakerClosed()
    {
        var sent = new List<long>();
        var health = Fail(new DeploymentHealth(Policy, _clock) { Broadcast = new HealthBroadcast { Send = (_, ms) => sent.Add(ms) } }, 3);
        _clock.Advance(TimeSpan.FromSeconds(31));

        Assert.True(health.TryAdmit());
        health.Succeeded(TimeSpan.FromMilliseconds(10));

        Assert.Equal([30_000L, 0L], sent);
    }

    [Fact]
    public void Succeeded_WhileHealthy_TellsNothing()
    {
        var sent = new List<long>();
        var health = new DeploymentHealth(Policy, _clock) { Broadcast = new HealthBroadcast { Send = (_, ms) => sent.Add(ms) } };

        Assert.True(health.TryAdmit());
        health.Succeeded(TimeSpan.FromMilliseconds(10));

        Assert.Empty(sent);
    }

    [Fact]
    public void Succeeded_RequestSentBeforeTheBreakerOpened_ClosesItHereButTellsNoOne()
    {
        var sent = new List<long>();
        var health = new DeploymentHealth(Policy, _clock) { Broadcast = new HealthBroadcast { Send = (_, ms) => sent.Add(ms) } };
        Assert.True(health.TryAdmit()); // slow, still in flight while the others fail
        Fail(health, 3);

        health.Succeeded(TimeSpan.FromSeconds(5));

        Assert.Equal(HealthState.Healthy, health.Snapshot().State);
        Assert.Equal([30_000L], sent);
    }

    [Fact]
    public void Heard_CooldownFromAnotherInstance_SkipsTheDeploymentAndLeavesTheProbeToItForOneMoreCooldown()
    {
        var health = new DeploymentHealth(Policy, _clock);

        health.Heard(30_000);

        Assert.Equal(HealthState.CoolingDown, health.Snapshot().State);
        Assert.False(health.TryAdmit());
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HealthState.HalfOpen, health.Snapshot().State);
        Assert.False(health.TryAdmit()); // the instance that opened it probes
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(health.TryAdmit()); // no verdict came: this one probes itself
        Assert.False(health.TryAdmit());
    }

    [Fact]
    public void Heard_ClosedByTheProbingInstance_ServesAgainAtOnce()
    {
        var health = new DeploymentHealth(Policy, _clock);
        health.Heard(30_000);
        _clock.Advance(TimeSpan.FromSeconds(31));

        health.Heard(0);

        Assert.Equal(HealthState.Healthy, health.Snapshot().State);
        Assert.True(health.TryAdmit());
        Assert.True(health.TryAdmit());
    }

    [Fact]
    public void Heard_WhileItOpenedTheBreakerItself_KeepsItsOwnProbe()
    {
        var health = Fail(new DeploymentHealth(Policy, _clock), 3);

        health.Heard(30_000);
        _clock.Advance(TimeSpan.FromSeconds(31));

        Assert.True(health.TryAdmit());
    }
}
