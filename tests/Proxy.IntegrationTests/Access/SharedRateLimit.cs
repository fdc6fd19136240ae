using System.Diagnostics;
using System.Net;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>A burst on a key with <c>rpm: 60</c> spread over several instances, and what a single shared limit lets through.</summary>
internal static class SharedRateLimit
{
    /// <summary>
    /// Sends <paramref name="count"/> requests at once through <paramref name="send"/> (given each request's index) and
    /// asserts the limit held once for all instances: 60 served at once, and one more for each second the burst took
    /// (the bucket refills a request a second), never 60 per instance; the rest 429 with the rate-limit headers.
    /// </summary>
    public static async Task AssertRpm60HeldOnceAsync(int count, Func<int, Task<HttpResponseMessage>> send)
    {
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, count).Select(send));
        var elapsed = clock.Elapsed;

        var served = answers.Count(answer => answer.StatusCode == HttpStatusCode.OK);
        Assert.InRange(served, 60, 60 + (int)Math.Ceiling(elapsed.TotalSeconds));
        Assert.Equal(count - served, answers.Count(answer => answer.StatusCode == HttpStatusCode.TooManyRequests));
        var refused = answers.First(answer => answer.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal("60", refused.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("0", refused.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.NotNull(refused.Headers.RetryAfter);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }
}
