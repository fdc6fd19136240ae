using LlmProxy.Config;

namespace LlmProxy.Tests.Config;

public sealed class BudgetCalendarTests
{
    [Theory]
    [InlineData("daily", "2026-11-30T23:59:59Z", "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z")]
    [InlineData("weekly", "2026-11-29T12:00:00Z", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")] // a Sunday: its ISO week began on Monday the 23rd
    [InlineData("weekly", "2026-11-30T00:00:00Z", "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z")] // a Monday starts a week
    [InlineData("monthly", "2026-12-31T23:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("monthly", "2028-02-29T10:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z")]
    public void StartAndReset_UtcCalendarPeriods_ContainNow(string periodName, string now, string start, string reset)
    {
        Assert.True(BudgetCalendar.TryParse(periodName, out var period));
        var at = DateTimeOffset.Parse(now);

        Assert.Equal(DateTimeOffset.Parse(start), BudgetCalendar.Start(period, at));
        Assert.Equal(DateTimeOffset.Parse(reset), BudgetCalendar.Reset(period, at));
    }

    [Fact]
    public void StartAndReset_NonUtcOffset_UsesTheUtcDay() =>
        // 01:00 at +02:00 is 23:00 UTC the day before: budgets follow UTC, not the caller's zone.
        Assert.Equal(DateTimeOffset.Parse("2026-11-29T00:00:00Z"), BudgetCalendar.Start(BudgetPeriod.Daily, DateTimeOffset.Parse("2026-11-30T01:00:00+02:00")));

    [Fact]
    public void Reset_Never_IsNull() => Assert.Null(BudgetCalendar.Reset(BudgetPeriod.Never, DateTimeOffset.UnixEpoch));

    [Theory]
    [InlineData("Daily")]
    [InlineData("hourly")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_NotAPeriodName_IsFalse(string? name) => Assert.False(BudgetCalendar.TryParse(name, out _));
}
