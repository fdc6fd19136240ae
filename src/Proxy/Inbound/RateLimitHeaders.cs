using System.Globalization;
using System.Runtime.CompilerServices;
using LlmProxy.Access;

namespace LlmProxy.Inbound;

/// <summary>
/// The rate-limit headers of an answer, set at admission so that streams carry them too:
/// <list type="bullet">
/// <item>OpenAI's <c>x-ratelimit-limit-requests</c>, <c>-remaining-requests</c>, <c>-reset-requests</c> and the
/// <c>-tokens</c> trio; a reset is the time until the whole limit is available again, in Go's duration format as
/// OpenAI sends it (<c>1s</c>, <c>6m0s</c>, <c>20ms</c>; https://platform.openai.com/docs/guides/rate-limits).</item>
/// <item>The generic <c>X-RateLimit-Limit</c>, <c>-Remaining</c>, <c>-Reset</c> (Unix seconds) for the requests limit
/// (the tokens limit when only that is set), as LiteLLM and Portkey send them.</item>
/// <item>For Anthropic's dialect also <c>anthropic-ratelimit-requests-limit</c>, <c>-remaining</c>, <c>-reset</c> (RFC
/// 3339) and the <c>-tokens-</c> trio (https://docs.anthropic.com/en/api/rate-limits#response-headers).</item>
/// </list>
/// A limit the key and its team do not have gets no headers.
/// </summary>
internal static class RateLimitHeaders
{
    // Limits are a key's or a team's own; resets repeat within their second or millisecond. Remaining counts change with
    // every answer: each is formatted once and shared by the header families that report it.
    private static readonly RecentText Numbers = new(Number);
    private static readonly RecentText Durations = new(GoDuration);
    private static readonly RecentText UnixSeconds = new(Number); // apart from Numbers: a new second must not evict a limit
    private static readonly RecentText Rfc3339Seconds =
        new(static seconds => DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    public static void Set(HttpResponse response, Admission admission, DateTimeOffset now, bool anthropic)
    {
        var (requests, tokens) = (admission.Requests, admission.Tokens);
        if (requests.Limit == 0 && tokens.Limit == 0)
        {
            return;
        }
        var headers = response.Headers;
        var requestsRemaining = requests.Limit > 0 ? Number(requests.Remaining) : null;
        var tokensRemaining = tokens.Limit > 0 ? Number(tokens.Remaining) : null;
        if (requestsRemaining is not null)
        {
            headers["x-ratelimit-limit-requests"] = Numbers.Get(requests.Limit);
            headers["x-ratelimit-remaining-requests"] = requestsRemaining;
            headers["x-ratelimit-reset-requests"] = Durations.Get(CeilingMilliseconds(requests.Reset));
        }
        if (tokensRemaining is not null)
        {
            headers["x-ratelimit-limit-tokens"] = Numbers.Get(tokens.Limit);
            headers["x-ratelimit-remaining-tokens"] = tokensRemaining;
            headers["x-ratelimit-reset-tokens"] = Durations.Get(CeilingMilliseconds(tokens.Reset));
        }
        var generic = requestsRemaining is not null ? requests : tokens;
        headers["X-RateLimit-Limit"] = Numbers.Get(generic.Limit);
        headers["X-RateLimit-Remaining"] = requestsRemaining ?? tokensRemaining;
        headers["X-RateLimit-Reset"] = UnixSeconds.Get(CeilingSeconds(now + generic.Reset));
        if (!anthropic)
        {
            return;
        }
        // Resets rounded up to the second: the time given must not come before the limit is whole again.
        if (requestsRemaining is not null)
        {
            headers["anthropic-ratelimit-requests-limit"] = Numbers.Get(requests.Limit);
            headers["anthropic-ratelimit-requests-remaining"] = requestsRemaining;
            headers["anthropic-ratelimit-requests-reset"] = Rfc3339Seconds.Get(CeilingSeconds(now + requests.Reset));
        }
        if (tokensRemaining is not null)
        {
            headers["anthropic-ratelimit-tokens-limit"] = Numbers.Get(tokens.Limit);
            headers["anthropic-ratelimit-tokens-remaining"] = tokensRemaining;
            headers["anthropic-ratelimit-tokens-reset"] = Rfc3339Seconds.Get(CeilingSeconds(now + tokens.Reset));
        }
    }

    /// <summary>A duration as Go prints one (OpenAI's reset headers): <c>0s</c>, <c>250ms</c>, <c>1.5s</c>, <c>6m0s</c>, <c>1h0m0s</c>; to the millisecond.</summary>
    public static string GoDuration(TimeSpan duration) => GoDuration(CeilingMilliseconds(duration));

    private static long CeilingMilliseconds(TimeSpan duration) => (long)Math.Ceiling(Math.Max(0, duration.TotalMilliseconds));

    private static string GoDuration(long ms)
    {
        if (ms == 0)
        {
            return "0s";
        }
        // Formatted in place, without a builder or a decimal.
        var text = new DefaultInterpolatedStringHandler(0, 8, CultureInfo.InvariantCulture, stackalloc char[40]);
        if (ms < 1000)
        {
            text.AppendFormatted(ms);
            text.AppendLiteral("ms");
            return text.ToStringAndClear();
        }
        if (ms >= 3_600_000)
        {
            text.AppendFormatted(ms / 3_600_000);
            text.AppendLiteral("h");
        }
        if (ms >= 60_000)
        {
            text.AppendFormatted(ms / 60_000 % 60);
            text.AppendLiteral("m");
        }
        text.AppendFormatted(ms / 1000 % 60);
        var fraction = (int)(ms % 1000);
        if (fraction != 0)
        {
            text.AppendLiteral(".");
            if (fraction % 100 == 0)
            {
                text.AppendFormatted(fraction / 100);
            }
            else if (fraction % 10 == 0)
            {
                text.AppendFormatted(fraction / 10, "D2");
            }
            else
            {
                text.AppendFormatted(fraction, "D3");
            }
        }
        text.AppendLiteral("s");
        return text.ToStringAndClear();
    }

    private static long CeilingSeconds(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
