using System.Diagnostics;
using System.Globalization;

namespace LlmProxy.Inbound;

/// <summary>The headers every proxied answer carries: which deployment served it, after how many attempts, and the proxy's own time.</summary>
internal static class ProxyResponseHeaders
{
    public const string Deployment = "x-llm-proxy-deployment";
    public const string OverheadMs = "x-llm-proxy-overhead-ms";
    public const string Attempts = "x-llm-proxy-attempts";

    /// <summary>
    /// Overhead is the time since the request arrived minus the time spent waiting on the provider; set just before
    /// the first byte goes out, so for streams it is the added time to first byte. Returns it, in milliseconds.
    /// </summary>
    public static double Set(HttpResponse response, string deployment, long requestStarted, long upstreamTicks, int attempt)
    {
        response.Headers[Attempts] = attempt == 1 ? "1" : attempt.ToString(CultureInfo.InvariantCulture);
        var overhead = Stopwatch.GetElapsedTime(requestStarted).TotalMilliseconds - (double)upstreamTicks * 1000 / Stopwatch.Frequency;
        response.Headers[Deployment] = deployment;
        overhead = Math.Round(Math.Max(0, overhead), 3);
        response.Headers[OverheadMs] = overhead.ToString(CultureInfo.InvariantCulture);
        return overhead;
    }
}
