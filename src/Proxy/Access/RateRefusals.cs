using System.Globalization;
using LlmProxy.Config;
using LlmProxy.Usage;

namespace LlmProxy.Access;

/// <summary>
/// The words and <c>Retry-After</c> of a limit's refusal (parallel requests, requests or tokens per minute, a budget), one wording
/// whether the limits are counted in this process (<see cref="LocalRequestLimiter"/>) or in Redis
/// (<see cref="RedisRequestLimiter"/>). <c>who</c> is <see cref="Who"/>'s.
/// </summary>
internal static class RateRefusals
{
    /// <summary>
    /// The Retry-After of a refusal that waiting will not cure (a request larger than the tokens limit, a budget that
    /// never resets): every 429 carries one, and an hour is past what SDKs honour (OpenAI's wait up to 60 s), so they
    /// give up after their own short backoff instead of sleeping on a hint that cannot come true.
    /// </summary>
    public static readonly TimeSpan Hopeless = TimeSpan.FromHours(1);

    /// <summary>"this key", or "this key's team 'NAME'" when <paramref name="team"/> set the limit.</summary>
    public static string Who(Team? team) => team is null ? "this key" : $"this key's team '{team.Name}'";

    /// <remarks>
    /// <c>here</c>, in the next three: the part of the limit this instance counts on its own while Redis, through which
    /// the instances share it, cannot be reached (null: the limit is counted whole).
    /// </remarks>
    public static (string Message, TimeSpan RetryAfter) Parallel(string who, int maxParallel, int? here = null) =>
        ($"Too many parallel requests: {who} allows {maxParallel} at once{Here(here)}. Retry when one of them has finished.", TimeSpan.FromSeconds(1));

    public static (string Message, TimeSpan RetryAfter) Requests(string who, int rpm, TimeSpan wait, int? here = null) =>
        ($"Rate limit reached for requests: {who} allows {rpm} requests per minute{Here(here)}. Retry in {Seconds(wait)} s.", wait);

    public static (string Message, TimeSpan RetryAfter) Tokens(string who, int tpm, long remaining, Reservation reservation, TimeSpan wait, int? here = null) =>
        ($"Rate limit reached for tokens: {who} allows {tpm} tokens per minute{Here(here)}, {remaining} remain, and this request reserves {reservation.Tokens}. " +
            $"Retry in {Seconds(wait)} s.", wait);

    private static string Here(int? here) =>
        here is { } part ? $" ({part} of them on this instance while Redis, through which the instances share it, cannot be reached)" : "";

    public static (string Message, TimeSpan RetryAfter) TooLarge(string who, int? tpm, Reservation reservation) =>
        ($"This request alone reserves {reservation.Tokens} tokens ({reservation.InputTokens} of input, estimated, plus an output limit of " +
            $"{reservation.OutputTokens}), more than the {tpm} tokens per minute {who} allows. " +
            "Send a shorter request or a lower output limit (max_tokens, max_completion_tokens or max_output_tokens).", Hopeless);

    /// <summary>
    /// Whether a request reserving <paramref name="reservation"/> fits a budget of <paramref name="budgetPicoUsd"/> with
    /// <paramref name="spentPicoUsd"/> spent and <paramref name="reservedPicoUsd"/> reserved (10^-12 USD). A cap, not a
    /// trigger: the request's own reservation must fit in what is left too, so neither one request nor a burst can spend
    /// past the budget (beyond what a provider bills over the reservation's estimated input).
    /// </summary>
    public static bool BudgetFits(Int128 budgetPicoUsd, Int128 spentPicoUsd, Int128 reservedPicoUsd, Reservation reservation)
    {
        var left = budgetPicoUsd - spentPicoUsd - reservedPicoUsd;
        return left > 0 && reservation.PicoUsd <= left;
    }

    /// <summary>A budget refusal (<see cref="BudgetFits"/> false): what was spent and reserved, and when the budget resets.</summary>
    public static (string Message, TimeSpan RetryAfter) Budget(string who, AccessLimits limits, Int128 spentPicoUsd, Int128 reservedPicoUsd,
        Reservation reservation, DateTimeOffset now)
    {
        var left = limits.BudgetPicoUsd!.Value - spentPicoUsd - reservedPicoUsd;
        var reset = BudgetCalendar.Reset(limits.BudgetPeriod, now);
        var period = limits.BudgetPeriod == BudgetPeriod.Never ? "" : $" {BudgetCalendar.Name(limits.BudgetPeriod)}";
        var when = reset is { } at ? $"It resets at {at:yyyy-MM-ddTHH:mm:ssZ}." : "It does not reset: an admin must raise it.";
        var spent = $"{who} has spent {Usd(spentPicoUsd)} USD" +
            (reservedPicoUsd > 0 ? $" (and {Usd(reservedPicoUsd)} USD is reserved by requests in flight)" : "") +
            $" of its{period} budget of {limits.BudgetUsd!.Value.ToString(CultureInfo.InvariantCulture)} USD";
        var message = left <= 0
            ? $"Budget exceeded: {spent}. {when}"
            : $"Budget exceeded: this request may cost up to {Usd(reservation.PicoUsd)} USD (its input, estimated, and its output limit at " +
                $"the dearest deployment of the model), more than the {Usd(left)} USD left: {spent}. Send it with a lower output limit" +
                (reset is { } resetAt ? $", or after the budget resets at {resetAt:yyyy-MM-ddTHH:mm:ssZ}." : "; the budget does not reset: an admin must raise it.");
        return (message, reset - now ?? Hopeless);
    }

    private static string Usd(Int128 picoUsd) => ((decimal)picoUsd / PicoUsd.PerUsd).ToString("0.00####", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan wait) => Math.Max(0.001, Math.Round(wait.TotalSeconds, 3)).ToString(CultureInfo.InvariantCulture);
}
