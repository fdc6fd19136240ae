using LlmProxy.Config;

namespace LlmProxy.Access;

/// <summary>
/// The in-process counters of one key or team: requests and tokens per minute, requests in flight, and the budget's
/// spend in its current period plus what requests in flight have reserved. Every field is read and written under
/// <see cref="Gate"/>. Costs are in 10^-12 USD.
/// </summary>
internal sealed class LimitCounters
{
    public readonly Lock Gate = new();

    /// <summary>Requests per minute.</summary>
    public RateBucket Requests;

    /// <summary>Tokens per minute: reservations, corrected by the provider's usage.</summary>
    public RateBucket Tokens;

    /// <summary>Admitted requests not yet settled.</summary>
    public int InFlight;

    /// <summary>Reserved by requests in flight, not yet charged.</summary>
    public Int128 ReservedPicoUsd;

    /// <summary>Charged in the current period.</summary>
    public Int128 SpentPicoUsd;

    /// <summary>The period <see cref="SpentPicoUsd"/> counts in: its kind and its start.</summary>
    public BudgetPeriod Period;

    public DateTimeOffset PeriodStart;

    /// <summary>Where the period ends (exclusive; <see cref="DateTimeOffset.MaxValue"/> for <c>never</c>).</summary>
    public DateTimeOffset PeriodEnd;

    /// <summary>
    /// Starts the budget over when <paramref name="now"/> is past its period (or the period's kind changed). Never
    /// backwards: a clock stepped back (NTP) keeps the period, which would otherwise start over and forget its spend.
    /// </summary>
    public void RollPeriod(BudgetPeriod period, DateTimeOffset now)
    {
        if (period == Period && now < PeriodEnd)
        {
            return; // every request but the first of a period: no calendar arithmetic
        }
        PeriodEnd = BudgetCalendar.Reset(period, now) ?? DateTimeOffset.MaxValue;
        var start = BudgetCalendar.Start(period, now);
        if (period != Period || start != PeriodStart)
        {
            Period = period;
            PeriodStart = start;
            SpentPicoUsd = 0;
        }
    }
}
