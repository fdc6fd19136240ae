using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Testing;
using LlmProxy.Tests.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using static LlmProxy.Tests.Access.LocalRequestLimiterTests;

namespace LlmProxy.Tests.Access;

/// <summary>
/// Limits shared through a real Redis: two limiters, each with a connection of its own, stand for two proxy instances.
/// Whatever instance a request reaches, the key's and the team's limits are counted once; with Redis gone each instance
/// counts 1/N of them itself, and shares again when Redis is back.
/// </summary>
public sealed class RedisRequestLimiterTests : IDisposable
{
    private readonly RedisServer _redis = RedisServer.Start();
    private readonly List<ConnectionMultiplexer> _connections = [];
    private readonly string _prefix = $"test-{Guid.NewGuid():N}:";

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
        _redis.Dispose();
    }

    private RedisRequestLimiter Instance(int expectedInstances = 2, TimeProvider? time = null, TimeSpan? lease = null)
    {
        var options = ConfigurationOptions.Parse(_redis.ConnectionString);
        options.AbortOnConnectFail = false;
        options.AsyncTimeout = 1000;
        options.ConnectRetry = 1;
        var connection = ConnectionMultiplexer.Connect(options);
        _connections.Add(connection);
        return new RedisRequestLimiter(connection, new RedisOptions(_redis.ConnectionString, expectedInstances, _prefix), time ?? TimeProvider.System,
            NullLogger<RedisRequestLimiter>.Instance, lease);
    }

    private async Task<RedisValue> BudgetFieldAsync(string subjectId, string field)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        return await connection.GetDatabase().HashGetAsync($"{_prefix}limits:{subjectId}:budget", field);
    }

    private static Reservation Tokens(long input, long output = 0) => new(input, output, 0);

    private static Reservation Usd(decimal usd) => new(10, 10, (long)(usd * LlmProxy.Usage.PicoUsd.PerUsd));

    [Fact]
    public async Task Admit_Rpm60AcrossTwoInstances_Admits60NotTwiceThatAndRefusesTheRestWithHeaders()
    {
        var (a, b) = (Instance(), Instance());
        var key = Key("key_rpm", rpm: 60);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var admissions = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => (i % 2 == 0 ? a : b).AdmitAsync(key, default, default).AsTask()));

        // 60, and one more for each second the burst took (the bucket refills a request a second).
        Assert.InRange(admissions.Count(admission => admission.Refusal is null), 60, 60 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds));
        var refused = admissions.First(admission => admission.Refusal is not null);
        Assert.Equal(429, refused.Refusal!.Status);
        Assert.Contains("allows 60 requests per minute", refused.Refusal.Message);
        Assert.InRange(refused.Refusal.RetryAfter!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        Assert.Equal((60, 0), (refused.Requests.Limit, refused.Requests.Remaining));
        Assert.True(a.Refusals(RefusedLimit.Rpm) > 0 && b.Refusals(RefusedLimit.Rpm) > 0, "both instances refused some: one count for both");
    }

    [Fact]
    public async Task Admit_TpmAcrossTwoInstances_ReservationsNeverPassTheLimitAndSettlingGivesBackTheUnused()
    {
        var (a, b) = (Instance(), Instance());
        var key = Key("key_tpm", tpm: 1000);

        var first = await a.AdmitAsync(key, Tokens(100, 200), default);
        var second = await b.AdmitAsync(key, Tokens(100, 200), default);
        var third = await a.AdmitAsync(key, Tokens(100, 200), default);
        var fourth = await b.AdmitAsync(key, Tokens(100, 200), default);
        var tooLarge = await a.AdmitAsync(key, Tokens(900, 200), default);

        Assert.Equal([true, true, true, false], new[] { first, second, third, fourth }.Select(admission => admission.Refusal is null));
        Assert.Contains("1000 tokens per minute", fourth.Refusal!.Message);
        Assert.Equal(TimeSpan.FromHours(1), tooLarge.Refusal!.RetryAfter);
        // Each used 20 of its 300: settled, 840 come back at once, and the next reservation fits on the other instance.
        a.Settle(first, 20, 0);
        b.Settle(second, 20, 0);
        a.Settle(third, 20, 0);
        Assert.True(await Eventually.HoldsAsync(async () => (await b.AdmitAsync(key, Tokens(100, 500), default)).Refusal is null));
    }

    [Fact]
    public async Task Admit_MaxParallelOfATeamAcrossInstances_HoldsUntilOneSettles()
    {
        var (a, b) = (Instance(), Instance());
        var team = Team("team_par", maxParallel: 2);
        var (one, two) = (Key("key_p1", team: team), Key("key_p2", team: team));

        var first = await a.AdmitAsync(one, default, default);
        var second = await b.AdmitAsync(two, default, default);
        var third = await a.AdmitAsync(two, default, default);

        Assert.Null(first.Refusal);
        Assert.Null(second.Refusal);
        Assert.Contains("this key's team 'team_par-name' allows 2 at once", third.Refusal!.Message);
        a.Settle(first, 0, 0);
        a.Settle(first, 0, 0); // a second settle gives nothing back twice
        Assert.True(await Eventually.HoldsAsync(async () => (await b.AdmitAsync(one, default, default)).Refusal is null));
        Assert.NotNull((await a.AdmitAsync(one, default, default)).Refusal);
    }

    [Fact]
    public async Task Admit_RedisKilledThenBack_CountsLocallyAtItsShareThenSharesAgain()
    {
        var a = Instance(expectedInstances: 3);
        var key = Key("key_chaos", rpm: 30);
        Assert.Null((await a.AdmitAsync(key, default, default)).Refusal);

        _redis.Stop();
        var during = new List<Admission>();
        for (var i = 0; i < 15; i++)
        {
            during.Add(await a.AdmitAsync(key, default, default));
        }

        // 30 a minute over 3 instances: this one takes 10 on its own while Redis is away, and no request fails for it.
        Assert.Equal(10, during.Count(admission => admission.Refusal is null));
        Assert.Contains("this key allows 30 requests per minute (10 of them on this instance while Redis", during[^1].Refusal!.Message);
        Assert.True(a.Degraded);
        _redis.Restart();
        Assert.True(await Eventually.HoldsAsync(async () => (await a.AdmitAsync(key, default, default)).Refusal is null && !a.Degraded));
        foreach (var admission in during)
        {
            a.Settle(admission, 0, 0); // admitted locally, settled locally: nothing sent to the new Redis
        }
    }

    [Fact]
    public async Task Admit_ReplyLostToATimeout_TheSlotItTookIsGivenBack()
    {
        var a = Instance(expectedInstances: 1);
        var key = Key("key_one_at_a_time", maxParallel: 1);

        _redis.Pause(TimeSpan.FromMilliseconds(1800)); // the admission's script runs after its 1 s timeout: its reply is lost
        var duringPause = await a.AdmitAsync(key, default, default);
        a.Settle(duringPause, 0, 0);

        Assert.Null(duringPause.Refusal);
        // Once the pause ends, the script's slot is given back: the next admission through Redis is not refused for it.
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            var next = await a.AdmitAsync(key, default, default);
            a.Settle(next, 0, 0);
            return next.Refusal is null && !a.Degraded;
        }));
        var held = await a.AdmitAsync(key, default, default);
        Assert.Null(held.Refusal);
        Assert.Contains("allows 1 at once", (await a.AdmitAsync(key, default, default)).Refusal!.Message);
    }

    [Fact]
    public async Task Admit_BudgetBurstAcrossTwoInstances_ReservationsNeverPassTheBudget()
    {
        var (a, b) = (Instance(), Instance());
        var key = Key("key_budget_burst", budgetUsd: 10m);

        var admissions = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => (i % 2 == 0 ? a : b).AdmitAsync(key, Usd(1), default).AsTask()));

        Assert.Equal(10, admissions.Count(admission => admission.Refusal is null));
        var refused = admissions.First(admission => admission.Refusal is not null).Refusal!;
        Assert.Equal("budget_exceeded", refused.Code);
        Assert.Contains("10.00 USD is reserved by requests in flight", refused.Message);
        Assert.True(a.Refusals(RefusedLimit.Budget) > 0 && b.Refusals(RefusedLimit.Budget) > 0, "both instances refused some: one budget for both");
    }

    [Fact]
    public async Task Settle_CostOnOneInstance_IsSpentOnTheOtherAndItsReservationFreed()
    {
        var (a, b) = (Instance(), Instance());
        var key = Key("key_budget_spend", budgetUsd: 10m);

        var first = await a.AdmitAsync(key, Usd(5), default);
        a.Settle(first, 0, 3 * LlmProxy.Usage.PicoUsd.PerUsd);
        Assert.True(await Eventually.HoldsAsync(async () => (await b.SpentAsync(key.Id, key.Limits.BudgetPeriod, default)).SpentPicoUsd == 3 * LlmProxy.Usage.PicoUsd.PerUsd));
        a.Settle(first, 0, 3 * LlmProxy.Usage.PicoUsd.PerUsd); // settling twice charges once

        Assert.Null(first.Refusal);
        Assert.Null((await b.AdmitAsync(key, Usd(7), default)).Refusal); // 3 spent, 7 left: the 5 reserved were given back
        var (spent, reserved, _) = await a.SpentAsync(key.Id, key.Limits.BudgetPeriod, default);
        Assert.Equal((3 * (Int128)LlmProxy.Usage.PicoUsd.PerUsd, 7 * (Int128)LlmProxy.Usage.PicoUsd.PerUsd), (spent, reserved));
        Assert.Contains("has spent 3.00 USD", (await a.AdmitAsync(key, Usd(1), default)).Refusal!.Message);
    }

    [Fact]
    public async Task Admit_RedisRestartedEmpty_TheBudgetStartsFromTheSpendThisInstanceLastSaw()
    {
        var a = Instance();
        var key = Key("key_budget_forgotten", budgetUsd: 5m);
        a.Settle(await a.AdmitAsync(key, Usd(4), default), 0, 4 * LlmProxy.Usage.PicoUsd.PerUsd);
        a.Settle(await a.AdmitAsync(key, Usd(0), default), 0, 0); // its answer tells this instance the 4 spent

        _redis.Stop();
        _redis.Restart(); // no persistence: every counter is gone
        Assert.True(await Eventually.HoldsAsync(async () => (await a.AdmitAsync(key, Usd(0), default)).Shared is not null));
        var next = await a.AdmitAsync(key, Usd(2), default);

        Assert.False(a.Degraded); // refused through Redis, not by this instance's own copy
        Assert.Contains("has spent 4.00 USD", next.Refusal!.Message);
        Assert.Equal("4000000000", (string?)await BudgetFieldAsync(key.Id, "s"));
    }

    [Fact]
    public async Task Settle_WhileRedisIsAway_TheCostIsAddedInRedisAtTheNextAdmission()
    {
        var (a, b) = (Instance(), Instance());
        var key = Key("key_budget_unsent", budgetUsd: 10m);
        a.Settle(await a.AdmitAsync(key, Usd(3), default), 0, 3 * LlmProxy.Usage.PicoUsd.PerUsd);

        _redis.Stop();
        var away = await a.AdmitAsync(key, Usd(2), default);
        a.Settle(away, 0, 2 * LlmProxy.Usage.PicoUsd.PerUsd);
        _redis.Restart(); // no persistence: the 3 spent before are gone from Redis, and known to a only
        Assert.True(await Eventually.HoldsAsync(async () => (await a.AdmitAsync(key, Usd(0), default)).Shared is not null));

        Assert.Null(away.Shared);
        Assert.Equal(5 * (Int128)LlmProxy.Usage.PicoUsd.PerUsd, (await b.SpentAsync(key.Id, key.Limits.BudgetPeriod, default)).SpentPicoUsd);
    }

    [Fact]
    public async Task Admit_AfterRedisWasAwayFromOneInstance_RaisesTheSharedSpendToWhatThatInstanceCounted()
    {
        var (a, b) = (Instance(), Instance());
        var key = Key("key_budget_sum", budgetUsd: 100m);
        b.Settle(await b.AdmitAsync(key, Usd(10), default), 0, 10 * LlmProxy.Usage.PicoUsd.PerUsd);
        Assert.True(await Eventually.HoldsAsync(async () => (await a.SpentAsync(key.Id, key.Limits.BudgetPeriod, default)).SpentPicoUsd > 0));
        a.Settle(await a.AdmitAsync(key, Usd(0), default), 0, 0); // its answer tells a the 10 b spent

        _redis.Pause(TimeSpan.FromMilliseconds(2500)); // a cannot reach Redis for a while; its admissions count here
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            var during = await a.AdmitAsync(key, Usd(1), default);
            a.Settle(during, 0, LlmProxy.Usage.PicoUsd.PerUsd);
            return during.Shared is null;
        }));
        Assert.True(await Eventually.HoldsAsync(async () => (await a.AdmitAsync(key, Usd(0), default)).Shared is not null));

        var shared = (await b.SpentAsync(key.Id, key.Limits.BudgetPeriod, default)).SpentPicoUsd;
        Assert.True(shared >= 11 * (Int128)LlmProxy.Usage.PicoUsd.PerUsd, $"the 10 spent through Redis and what a spent while away: {shared}");
    }

    // Found with the SDKs: after an outage in which both instances spent (and read the total from the ledger), a Redis
    // restarted empty counted one instance's outage spend twice.
    [Fact]
    public async Task Admit_RedisRestartedEmptyAfterAnOutage_CountsWhatBothSpentOnce()
    {
        var (a, b) = (Instance(), Instance());
        var key = Key("key_budget_once", budgetUsd: 100m);
        _redis.Stop();
        a.Settle(await a.AdmitAsync(key, Usd(2), default), 0, 2 * LlmProxy.Usage.PicoUsd.PerUsd);
        b.Settle(await b.AdmitAsync(key, Usd(3), default), 0, 3 * LlmProxy.Usage.PicoUsd.PerUsd);
        foreach (var instance in new[] { a, b })
        {
            instance.RestoreSpent(key.Id, key.Limits.BudgetPeriod, 5 * (Int128)LlmProxy.Usage.PicoUsd.PerUsd); // what the ledger says meanwhile
        }

        _redis.Restart();
        Assert.True(await Eventually.HoldsAsync(async () => (await a.AdmitAsync(key, Usd(0), default)).Shared is not null));
        Assert.True(await Eventually.HoldsAsync(async () => (await b.AdmitAsync(key, Usd(0), default)).Shared is not null));

        Assert.Equal("5000000000", (string?)await BudgetFieldAsync(key.Id, "s"));
    }

    [Fact]
    public async Task Admit_AfterALeaseEndedUnsettled_ChargesItsReservationAsSpent()
    {
        var a = Instance(lease: TimeSpan.FromMilliseconds(300));
        var key = Key("key_budget_lapsed", budgetUsd: 10m);
        Assert.Null((await a.AdmitAsync(key, Usd(3), default)).Refusal); // never settled: its instance crashed, say

        await Task.Delay(1500); // past the lease, and past when the set of leases would expire without requests
        var next = await a.AdmitAsync(key, Usd(0), default);
        a.Settle(next, 0, 0);

        var (spent, reserved, _) = await a.SpentAsync(key.Id, key.Limits.BudgetPeriod, default);
        Assert.Equal((3 * (Int128)LlmProxy.Usage.PicoUsd.PerUsd, (Int128)0), (spent, reserved));
    }

    [Fact]
    public async Task Admit_BudgetWhileRedisIsAway_CountsOnThisInstancesCopyOfTheSpend()
    {
        var a = Instance();
        var key = Key("key_budget_away", budgetUsd: 5m);
        a.Settle(await a.AdmitAsync(key, Usd(4), default), 0, 4 * LlmProxy.Usage.PicoUsd.PerUsd);
        a.Settle(await a.AdmitAsync(key, Usd(0), default), 0, 0);

        _redis.Stop();
        var within = await a.AdmitAsync(key, Usd(0.5m), default);
        var beyond = await a.AdmitAsync(key, Usd(1), default);

        Assert.Null(within.Refusal);
        Assert.Null(within.Shared);
        Assert.Contains("has spent 4.00 USD", beyond.Refusal!.Message);
    }

    [Fact]
    public async Task Admit_NextDailyPeriod_StartsTheBudgetOver_AndAnInstanceWhoseClockLagsCountsInTheNewOne()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-01T23:59:00Z"));
        var lagging = new ManualClock(DateTimeOffset.Parse("2026-12-01T23:59:00Z"));
        var (a, b) = (Instance(time: clock), Instance(time: lagging));
        var key = Key("key_budget_daily", budgetUsd: 5m, period: "daily");
        a.Settle(await a.AdmitAsync(key, Usd(5), default), 0, 5 * LlmProxy.Usage.PicoUsd.PerUsd);
        Assert.True(await Eventually.HoldsAsync(async () => (await b.SpentAsync(key.Id, key.Limits.BudgetPeriod, default)).SpentPicoUsd > 0));
        Assert.Equal("budget_exceeded", (await a.AdmitAsync(key, Usd(1), default)).Refusal?.Code);

        clock.Advance(TimeSpan.FromMinutes(2));
        var nextDay = await a.AdmitAsync(key, Usd(3), default);
        var fromTheLaggingClock = await b.AdmitAsync(key, Usd(3), default);

        Assert.Null(nextDay.Refusal);
        Assert.Contains("3.00 USD is reserved", fromTheLaggingClock.Refusal!.Message); // counted in the new day: 3 of 5 reserved
    }
}
