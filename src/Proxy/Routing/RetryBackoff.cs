using LlmProxy.Config;

namespace LlmProxy.Routing;

/// <summary>
/// The wait before retrying a deployment: exponential backoff with full jitter (a random wait between zero and
/// base × 2^(retry-1), capped), or the provider's Retry-After when it asks for longer.
/// https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
/// </summary>
internal static class RetryBackoff
{
    public static TimeSpan Delay(int retry, TimeSpan? retryAfter, RoutingDefaults policy, Random random)
    {
        var ceiling = Math.Min(policy.RetryMaxDelayMs, policy.RetryBaseDelayMs * Math.Pow(2, Math.Min(retry - 1, 30)));
        var jittered = TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
        return retryAfter is { } asked && asked > jittered ? asked : jittered;
    }
}
