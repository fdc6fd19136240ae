namespace LlmProxy.Config;

/// <summary>
/// The wire names of <see cref="BudgetPeriod"/> (<c>daily</c>, <c>weekly</c>, <c>monthly</c>, <c>never</c>) and where
/// a period starts and ends. Periods are UTC calendar periods, the same for every key, so a team's and its keys'
/// budgets reset together and a report by day adds up to the month.
/// </summary>
internal static class BudgetCalendar
{
    public static readonly string[] Names = ["never", "daily", "weekly", "monthly"];

    public static string Name(BudgetPeriod period) => Names[(int)period];

    public static bool TryParse(string? name, out BudgetPeriod period)
    {
        var index = Array.IndexOf(Names, name);
        period = index < 0 ? BudgetPeriod.Never : (BudgetPeriod)index;
        return index >= 0;
    }

    /// <summary>The start of the period that contains <paramref name="now"/> (UTC); the Unix epoch for <see cref="BudgetPeriod.Never"/>.</summary>
    public static DateTimeOffset Start(BudgetPeriod period, DateTimeOffset now)
    {
        var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return period switch
        {
            BudgetPeriod.Daily => day,
            BudgetPeriod.Weekly => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            BudgetPeriod.Monthly => new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>When the period that contains <paramref name="now"/> ends and the budget starts over; null for <see cref="BudgetPeriod.Never"/>.</summary>
    public static DateTimeOffset? Reset(BudgetPeriod period, DateTimeOffset now) => period switch
    {
        BudgetPeriod.Daily => Start(period, now).AddDays(1),
        BudgetPeriod.Weekly => Start(period, now).AddDays(7),
        BudgetPeriod.Monthly => Start(period, now).AddMonths(1),
        _ => null,
    };
}
