using Microsoft.AspNetCore.Cors.Infrastructure;
using CorsOptions = LlmProxy.Config.CorsOptions;

namespace LlmProxy.Hosting;

/// <summary>
/// <c>server.cors</c> as ASP.NET Core's CORS policy, preflight included. Browsers may read the proxy's own answer headers
/// (which deployment served, attempts, overhead), the provider's request ids and the rate-limit and retry headers.
/// </summary>
internal static class CorsPolicy
{
    private static readonly string[] ExposedHeaders =
    [
        "x-llm-proxy-deployment", "x-llm-proxy-attempts", "x-llm-proxy-overhead-ms", "x-request-id", "request-id",
        "x-llm-proxy-upstream-request-id", "retry-after",
        "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
        "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
    ];

    public static void Apply(CorsPolicyBuilder policy, CorsOptions cors)
    {
        if (cors.AllowedOrigins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins([.. cors.AllowedOrigins]);
        }
        if (cors.AllowedHeaders.Contains("*"))
        {
            policy.AllowAnyHeader();
        }
        else
        {
            policy.WithHeaders([.. cors.AllowedHeaders]);
        }
        policy.WithMethods("GET", "HEAD", "POST").WithExposedHeaders(ExposedHeaders).SetPreflightMaxAge(TimeSpan.FromSeconds(cors.MaxAgeSeconds));
        if (cors.AllowCredentials)
        {
            policy.AllowCredentials();
        }
    }
}
