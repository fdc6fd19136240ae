using System.Globalization;

namespace LlmProxy.Access;

/// <summary>
/// The words and <c>Retry-After</c> of a rate refusal (parallel requests, requests or tokens per minute), one wording
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

    public static (string Message, TimeSpan RetryAfter) Parallel(string who, int maxParallel) =>
        ($"Too many parallel requests: {who} allows {maxParallel} at once. Retry when one of them has finished.", TimeSpan.FromSeconds(1));

    public static (string Message, TimeSpan RetryAfter) Requests(string who, int rpm, TimeSpan wait) =>
        ($"Rate limit reached for requests: {who} allows {rpm} requests per minute. Retry in {Seconds(wait)} s.", wait);

    public static (string Message, TimeSpan RetryAfter) Tokens(string who, int tpm, long remaining, Reservation reservation, TimeSpan wait) =>
        ($"Rate limit reached for tokens: {who} allows {tpm} tokens per minute, {remaining} remain, and this request reserves {reservation.Tokens}. " +
            $"Retry in {Seconds(wait)} s.", wait);

    public static (string Message, TimeSpan RetryAfter) TooLarge(string who, int? tpm, Reservation reservation) =>
        ($"This request alone reserves {reservation.Tokens} tokens ({reservation.InputTokens} of input, estimated, plus an output limit of " +
            $"{reservation.OutputTokens}), more than the {tpm} tokens per minute {who} allows. " +
            "Send a shorter request or a lower output limit (max_tokens, max_completion_tokens or max_output_tokens).", Hopeless);

    private static string Seconds(TimeSpan wait) => Math.Max(0.001, Math.Round(wait.TotalSeconds, 3)).ToString(CultureInfo.InvariantCulture);
}
