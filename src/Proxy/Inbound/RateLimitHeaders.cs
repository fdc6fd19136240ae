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
    public static void Set(HttpResponse response, Admission admission, DateTimeOffset now, bool anthropic)
    {
        var (requests, tokens) = (admission.Requests, admission.Tokens);
        if (requests.Limit == 0 && tokens.Limit == 0)
        {
            return;
        }
        // Each number is formatted once and its string shared by every header family that reports it.
        var headers = response.Headers;
        string? requestsLimit = null, requestsRemaining = null, tokensLimit = null, tokensRemaining = null;
        if (requests.Limit > 0)
        {
            headers["x-ratelimit-limit-requests"] = requestsLimit = Number(requests.Limit);
            headers["x-ratelimit-remaining-requests"] = requestsRemaining = Number(requests.Remaining);
            headers["x-ratelimit-reset-requests"] = GoDuration(requests.Reset);
        }
        if (tokens.Limit > 0)
        {
            headers["x-ratelimit-limit-tokens"] = tokensLimit = Number(tokens.Limit);
            headers["x-ratelimit-remaining-tokens"] = tokensRemaining = Number(tokens.Remaining);
            headers["x-ratelimit-reset-tokens"] = GoDuration(tokens.Reset);
        }
        headers["X-RateLimit-Limit"] = requestsLimit ?? tokensLimit;
        headers["X-RateLimit-Remaining"] = requestsRemaining ?? tokensRemaining;
        headers["X-RateLimit-Reset"] = Number(CeilingSeconds(now + (requestsLimit is not null ? requests : tokens).Reset));
        if (!anthropic)
        {
            return;
        }
        // Resets rounded up to the second: the time given must not come before the limit is whole again.
        if (requestsLimit is not null)
        {
            headers["anthropic-ratelimit-requests-limit"] = requestsLimit;
            headers["anthropic-ratelimit-requests-remaining"] = requestsRemaining;
            headers["anthropic-ratelimit-requests-reset"] = Rfc3339(CeilingSeconds(now + requests.Reset));
        }
        if (tokensLimit is not null)
        {
            headers["anthropic-ratelimit-tokens-limit"] = tokensLimit;
            headers["anthropic-ratelimit-tokens-remaining"] = tokensRemaining;
            headers["anthropic-ratelimit-tokens-reset"] = Rfc3339(CeilingSeconds(now + tokens.Reset));
        }
    }

    /// <summary>A duration as Go prints one (OpenAI's reset headers): <c>0s</c>, <c>250ms</c>, <c>1.5s</c>, <c>6m0s</c>, <c>1h0m0s</c>; to the millisecond.</summary>
    public static string GoDuration(TimeSpan duration)
    {
        var ms = (long)Math.Ceiling(Math.Max(0, duration.TotalMilliseconds));
        if (ms == 0)
        {
            return "0s";
        }
        // Once per answer per limit: formatted in place, without a builder or a decimal.
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

    private static string Rfc3339(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
