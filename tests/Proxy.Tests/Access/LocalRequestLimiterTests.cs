using LlmProxy.Access;
using LlmProxy.Storage;
using Microsoft.Extensions.Time.Testing;

namespace LlmProxy.Tests.Access;

public sealed class LocalRequestLimiterTests
{
    private const long PicoPerUsd = LlmProxy.Usage.PicoUsd.PerUsd;
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-30T12:00:00Z");
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly LocalRequestLimiter _limiter;

    public LocalRequestLimiterTests() => _limiter = new LocalRequestLimiter(_clock);

    internal static ClientKey Key(string id, int? rpm = null, int? tpm = null, int? maxParallel = null, decimal? budgetUsd = null, string period = "never",
        Team? team = null) =>
        ClientKey.FromStored(new StoredKey(id, id, team?.Id, ["*"], rpm, tpm, maxParallel, budgetUsd, period, null, null, "sk-llmp-abcd", false, 0, 0), team);

    internal static Team Team(string id, int? rpm = null, int? tpm = null, int? maxParallel = null, decimal? budgetUsd = null, string period = "never") =>
        new(new StoredTeam(id, id + "-name", ["*"], rpm, tpm, maxParallel, budgetUsd, period, null, 0, 0));

    private static Reservation Tokens(long input, long output = 0, long picoUsd = 0) => new(input, output, picoUsd);

    [Fact]
    public void Admit_KeyWithoutLimits_IsUnlimitedAndTakesNothing()
    {
        var admission = _limiter.Admit(Key("key_free"), Tokens(1_000_000));

        Assert.Same(Admission.Unlimited, admission);
        _limiter.Settle(admission, 5, 5); // nothing to give back, and no throw
    }

    [Fact]
    public void Admit_RpmReachedInABurst_RefusesWith429AndRetryAfterOfOneInterval()
    {
        var key = Key("key_rpm", rpm: 60);
        for (var i = 0; i < 60; i++)
        {
            Assert.Null(_limiter.Admit(key, default).Refusal);
        }

        var refused = _limiter.Admit(key, default);

        var error = Assert.IsType<LlmProxy.Canonical.GatewayError>(refused.Refusal);
        Assert.Equal((429, "rate_limit_exceeded"), (error.Status, error.Code));
        Assert.Contains("60 requests per minute", error.Message);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
        Assert.Equal(new RateLimitSnapshot(60, 0, TimeSpan.FromMinutes(1)), refused.Requests);
    }

    [Fact]
    public void Admit_AtTheWindowEdge_FreesOneRequestPerIntervalNotAFreshWindow()
    {
        var key = Key("key_edge", rpm: 60);
        for (var i = 0; i < 60; i++)
        {
            _limiter.Admit(key, default);
        }

        _clock.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.NotNull(_limiter.Admit(key, default).Refusal);
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Null(_limiter.Admit(key, default).Refusal);
        Assert.NotNull(_limiter.Admit(key, default).Refusal); // one freed, one taken: a fixed window would have let 60 through here
    }

    [Fact]
    public void Admit_ConcurrentReservations_NeverOvershootTpm()
    {
        var key = Key("key_tpm", tpm: 5_000);

        var admitted = 0;
        Parallel.For(0, 64, _ =>
        {
            if (_limiter.Admit(key, Tokens(800, 200)).Refusal is null)
            {
                Interlocked.Increment(ref admitted);
            }
        });

        Assert.Equal(5, admitted); // 5 x 1,000 reserved = the limit; the 6th would overshoot however the threads interleave
    }

    [Fact]
    public void Settle_UsedLessThanReserved_GivesTheDifferenceBack()
    {
        var key = Key("key_reconcile", tpm: 5_000);
        var first = _limiter.Admit(key, Tokens(1_000, 3_000));
        Assert.Equal(1_000, first.Tokens.Remaining);
        Assert.NotNull(_limiter.Admit(key, Tokens(1_000, 1_000)).Refusal);

        _limiter.Settle(first, usedTokens: 1_200, costPicoUsd: 0);

        var second = _limiter.Admit(key, Tokens(1_000, 1_000));
        Assert.Null(second.Refusal);
        Assert.Equal(1_800, second.Tokens.Remaining);
    }

    [Fact]
    public void Settle_UsedMoreThanReserved_ChargesTheExcess()
    {
        var key = Key("key_overrun", tpm: 5_000);
        var admission = _limiter.Admit(key, Tokens(100, 100));

        _limiter.Settle(admission, usedTokens: 4_900, costPicoUsd: 0);

        Assert.NotNull(_limiter.Admit(key, Tokens(100, 100)).Refusal);
    }

    [Fact]
    public void Settle_Twice_GivesBackOnce()
    {
        var key = Key("key_twice", tpm: 1_000, maxParallel: 1);
        var admission = _limiter.Admit(key, Tokens(500));

        _limiter.Settle(admission, 500, 0);
        _limiter.Settle(admission, 0, 0);

        var next = _limiter.Admit(key, Tokens(500));
        Assert.Null(next.Refusal);
        Assert.Equal(0, next.Tokens.Remaining);
        Assert.NotNull(_limiter.Admit(key, Tokens(1)).Refusal); // one in flight: a double release would have freed a second slot
    }

    [Fact]
    public void Admit_RequestAloneAboveTpm_RefusedSayingSoWithoutRetryAfter()
    {
        var key = Key("key_alone", tpm: 5_000);

        var error = _limiter.Admit(key, Tokens(2_000, 4_096)).Refusal!;

        Assert.Equal((429, "rate_limit_exceeded"), (error.Status, error.Code));
        Assert.Contains("This request alone reserves 6096 tokens", error.Message);
        Assert.Equal(TimeSpan.FromHours(1), error.RetryAfter); // every 429 has one; waiting would not help, and an SDK gives up on an hour
    }

    [Fact]
    public void Admit_ParallelCapReached_RefusesUntilOneSettles()
    {
        var key = Key("key_parallel", maxParallel: 2);
        var first = _limiter.Admit(key, default);
        Assert.Null(_limiter.Admit(key, default).Refusal);

        var refused = _limiter.Admit(key, default).Refusal!;
        Assert.Equal(429, refused.Status);
        Assert.Contains("allows 2 at once", refused.Message);

        _limiter.Settle(first, 0, 0);
        Assert.Null(_limiter.Admit(key, default).Refusal);
    }

    [Fact]
    public void Admit_BudgetSpent_RefusesWithBudgetExceededUntilThePeriodResets()
    {
        var key = Key("key_budget", budgetUsd: 1m, period: "daily");
        var admission = _limiter.Admit(key, default);
        _limiter.Settle(admission, 100, PicoPerUsd); // exactly $1 spent

        var error = _limiter.Admit(key, default).Refusal!;

        Assert.Equal((429, "budget_exceeded"), (error.Status, error.Code));
        Assert.Contains("has spent 1.00 USD of its daily budget of 1 USD", error.Message);
        Assert.Contains("It resets at 2026-12-01T00:00:00Z.", error.Message);
        Assert.Equal(TimeSpan.FromHours(12), error.RetryAfter);

        _clock.SetUtcNow(DateTimeOffset.Parse("2026-11-30T23:59:59Z"));
        Assert.NotNull(_limiter.Admit(key, default).Refusal);
        _clock.SetUtcNow(DateTimeOffset.Parse("2026-12-01T00:00:00Z"));
        Assert.Null(_limiter.Admit(key, default).Refusal);
    }

    [Fact]
    public void Admit_BudgetReservedByRequestsInFlight_CountsBeforeTheyEnd()
    {
        var key = Key("key_inflight", budgetUsd: 1m);
        Assert.Null(_limiter.Admit(key, Tokens(10, 10, 4 * PicoPerUsd / 10)).Refusal);
        Assert.Null(_limiter.Admit(key, Tokens(10, 10, 4 * PicoPerUsd / 10)).Refusal); // $0.80 of $1 reserved

        var error = _limiter.Admit(key, Tokens(10, 10, 4 * PicoPerUsd / 10)).Refusal!;

        Assert.Equal("budget_exceeded", error.Code);
        Assert.Contains("may cost up to 0.40 USD", error.Message);
        Assert.Contains("more than the 0.20 USD left", error.Message);
        Assert.Contains("0.80 USD is reserved by requests in flight", error.Message);
        Assert.EndsWith("Send it with a lower output limit; the budget does not reset: an admin must raise it.", error.Message);
        Assert.Equal(TimeSpan.FromHours(1), error.RetryAfter);
        Assert.Null(_limiter.Admit(key, Tokens(10, 10, PicoPerUsd / 10)).Refusal); // a cheaper one still fits
    }

    [Fact]
    public void Admit_OneRequestDearerThanTheWholeBudget_IsRefusedNotLetThroughToOvershoot()
    {
        var key = Key("key_dear", budgetUsd: 1m, period: "monthly");

        var error = _limiter.Admit(key, Tokens(1_000, 2_000, 300 * PicoPerUsd)).Refusal!;

        Assert.Equal("budget_exceeded", error.Code);
        Assert.Contains("may cost up to 300.00 USD", error.Message);
        Assert.Equal((Int128)0, _limiter.Spent(key.Id, key.Limits.BudgetPeriod).ReservedPicoUsd); // a refusal reserves nothing
    }

    [Fact]
    public void Admit_TeamLimitReached_RefusesEveryKeyOfTheTeamAndNamesTheTeam()
    {
        var team = Team("team_a", rpm: 2);
        var alice = Key("key_alice", rpm: 100, team: team);
        var bob = Key("key_bob", rpm: 100, team: team);
        Assert.Null(_limiter.Admit(alice, default).Refusal);
        Assert.Null(_limiter.Admit(bob, default).Refusal);

        var error = _limiter.Admit(alice, default).Refusal!;

        Assert.Contains("this key's team 'team_a-name' allows 2 requests per minute", error.Message);
        var admitted = _limiter.Admit(Key("key_carol", rpm: 100), default);
        Assert.Null(admitted.Refusal);
        // The refusal by the team took nothing from alice's own limit: 100 - 1 remain for her.
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new RateLimitSnapshot(2, 1, TimeSpan.FromSeconds(30)), _limiter.Admit(alice, default).Requests);
    }

    [Fact]
    public void Admit_KeyRefuses_TeamKeepsItsRoom()
    {
        var team = Team("team_b", rpm: 10);
        var key = Key("key_tight", rpm: 1, team: team);
        Assert.Null(_limiter.Admit(key, default).Refusal);

        Assert.NotNull(_limiter.Admit(key, default).Refusal);
        Assert.NotNull(_limiter.Admit(key, default).Refusal);

        // Only the admitted request counts against the team.
        var other = _limiter.Admit(Key("key_other", team: team), default);
        Assert.Equal(8, other.Requests.Remaining);
    }

    [Fact]
    public void Admit_HeadersSnapshot_ReportsTheTighterOfKeyAndTeam()
    {
        var team = Team("team_c", tpm: 10_000);
        var key = Key("key_loose", tpm: 100_000, team: team);

        var admission = _limiter.Admit(key, Tokens(1_000));

        Assert.Equal(10_000, admission.Tokens.Limit);
        Assert.Equal(9_000, admission.Tokens.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(6), admission.Tokens.Reset);
    }

    [Fact]
    public void Admit_LimitLoweredByAnAdmin_AppliesToTheNextRequest()
    {
        Assert.Null(_limiter.Admit(Key("key_changed", rpm: 100), default).Refusal);
        Assert.Null(_limiter.Admit(Key("key_changed", rpm: 100), default).Refusal);

        // The same id with a new limit (a PATCH rebuilds the key): its counters carry over.
        Assert.NotNull(_limiter.Admit(Key("key_changed", rpm: 2), default).Refusal);
    }

    [Fact]
    public void RestoreSpent_FromTheLedger_CountsAgainstTheBudget()
    {
        var key = Key("key_restored", budgetUsd: 5m, period: "monthly");

        _limiter.RestoreSpent(key.Id, key.Limits.BudgetPeriod, 5 * (Int128)PicoPerUsd);

        Assert.Equal("budget_exceeded", _limiter.Admit(key, default).Refusal?.Code);
        Assert.Equal((5 * (Int128)PicoPerUsd, (Int128)0, DateTimeOffset.Parse("2026-11-01T00:00:00Z")), _limiter.Spent(key.Id, key.Limits.BudgetPeriod));
    }

    [Fact]
    public void Settle_AfterThePeriodRolledOver_ChargesThePeriodTheRequestArrivedIn()
    {
        // As the ledger counts it (it records the arrival), so a restart restores the same figure.
        var key = Key("key_midnight", budgetUsd: 1m, period: "daily");
        _clock.SetUtcNow(DateTimeOffset.Parse("2026-11-30T23:59:59Z"));
        var admission = _limiter.Admit(key, default);

        _clock.SetUtcNow(DateTimeOffset.Parse("2026-12-01T00:00:05Z"));
        _limiter.Settle(admission, 10, PicoPerUsd);

        Assert.Equal((Int128)0, _limiter.Spent(key.Id, key.Limits.BudgetPeriod).SpentPicoUsd);
        Assert.Null(_limiter.Admit(key, default).Refusal);
    }

    [Fact]
    public void RestoreSpent_LedgerBehindTheCounters_KeepsTheCounters()
    {
        var key = Key("key_ahead", budgetUsd: 10m, period: "monthly");
        _limiter.Settle(_limiter.Admit(key, default), 10, 3 * PicoPerUsd);

        _limiter.RestoreSpent(key.Id, key.Limits.BudgetPeriod, 2 * (Int128)PicoPerUsd); // the last record still queued

        Assert.Equal(3 * (Int128)PicoPerUsd, _limiter.Spent(key.Id, key.Limits.BudgetPeriod).SpentPicoUsd);
    }

    [Fact]
    public void Forget_DeletedKey_NewCountersStartEmptyAndAnInFlightSettleLeavesThemAlone()
    {
        var key = Key("key_deleted", rpm: 1, budgetUsd: 10m, period: "monthly");
        var inFlight = _limiter.Admit(key, default);
        Assert.NotNull(_limiter.Admit(key, default).Refusal);

        _limiter.Forget(key.Id);
        _limiter.Settle(inFlight, 10, PicoPerUsd); // settles on the counters it took, not on fresh ones

        Assert.Null(_limiter.Admit(key, default).Refusal);
        Assert.Equal((Int128)0, _limiter.Spent(key.Id, key.Limits.BudgetPeriod).SpentPicoUsd);
    }

    [Fact]
    public void Admit_ClockSteppedBackAcrossMidnight_KeepsThePeriodAndItsSpend()
    {
        // An NTP step back used to start the budget over (and over again when the clock came forward), forgetting the spend.
        var clock = new SteppedClock { Now = DateTimeOffset.Parse("2026-12-01T00:00:05Z") };
        var limiter = new LocalRequestLimiter(clock);
        var key = Key("key_ntp", budgetUsd: 1m, period: "daily");
        limiter.Settle(limiter.Admit(key, default), 10, PicoPerUsd);
        Assert.Equal("budget_exceeded", limiter.Admit(key, default).Refusal?.Code);

        clock.Now = DateTimeOffset.Parse("2026-11-30T23:59:58Z");
        Assert.Equal("budget_exceeded", limiter.Admit(key, default).Refusal?.Code);
        clock.Now = DateTimeOffset.Parse("2026-12-01T00:00:10Z");
        Assert.Equal("budget_exceeded", limiter.Admit(key, default).Refusal?.Code);
        Assert.Equal((Int128)PicoPerUsd, limiter.Spent(key.Id, key.Limits.BudgetPeriod).SpentPicoUsd);
    }

    [Fact]
    public void Settle_AdmittedWhileTheClockWasSteppedBack_ChargesTheCurrentPeriod()
    {
        var clock = new SteppedClock { Now = DateTimeOffset.Parse("2026-12-01T00:00:05Z") };
        var limiter = new LocalRequestLimiter(clock);
        var key = Key("key_skew", budgetUsd: 10m, period: "daily");
        limiter.Settle(limiter.Admit(key, default), 10, PicoPerUsd);

        clock.Now = DateTimeOffset.Parse("2026-11-30T23:59:59Z");
        var skewed = limiter.Admit(key, default);
        clock.Now = DateTimeOffset.Parse("2026-12-01T00:00:07Z");
        limiter.Settle(skewed, 10, 2 * PicoPerUsd);

        Assert.Equal(3 * (Int128)PicoPerUsd, limiter.Spent(key.Id, key.Limits.BudgetPeriod).SpentPicoUsd);
    }

    [Fact]
    public void Refusals_EachLimit_CountedUnderItsOwnName()
    {
        _limiter.Admit(Key("key_count_rpm", rpm: 1), default);
        _limiter.Admit(Key("key_count_rpm", rpm: 1), default);
        _limiter.Admit(Key("key_count_parallel", maxParallel: 1), default);
        _limiter.Admit(Key("key_count_parallel", maxParallel: 1), default);
        _limiter.Admit(Key("key_count_parallel", maxParallel: 1), default);
        _limiter.Admit(Key("key_count_tpm", tpm: 10), Tokens(50));

        Assert.Equal((1L, 2L, 1L, 0L), (_limiter.Refusals(RefusedLimit.Rpm), _limiter.Refusals(RefusedLimit.MaxParallel),
            _limiter.Refusals(RefusedLimit.Tpm), _limiter.Refusals(RefusedLimit.Budget)));
    }

    /// <summary>A wall clock that can be stepped back, as NTP does (FakeTimeProvider refuses to).</summary>
    private sealed class SteppedClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
