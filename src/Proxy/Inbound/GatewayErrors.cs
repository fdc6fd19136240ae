using LlmProxy.Canonical;
using LlmProxy.Providers;

namespace LlmProxy.Inbound;

/// <summary>The one place where provider failures become client-facing statuses (DESIGN.md section 4).</summary>
internal static class GatewayErrors
{
    public static GatewayError FromProvider(ProviderError error, string deployment) => error.Kind switch
    {
        ProviderErrorKind.Timeout => new(504, ErrorKind.Timeout, $"{deployment}: {error.Message}", "upstream_timeout"),
        ProviderErrorKind.Connect => new(502, ErrorKind.Upstream, $"{deployment}: {error.Message}", "upstream_unreachable"),
        ProviderErrorKind.Truncated => new(502, ErrorKind.Upstream, $"{deployment}: {error.Message}", "upstream_truncated"),
        ProviderErrorKind.InvalidResponse => new(502, ErrorKind.Upstream, $"{deployment}: {error.Message}", "upstream_invalid_response"),
        ProviderErrorKind.UpstreamStatus => FromStatus(error, deployment),
        ProviderErrorKind.Unsupported => new(400, ErrorKind.InvalidRequest, error.Message, error.Code, error.Param),
        ProviderErrorKind.ShuttingDown => new(503, ErrorKind.Unavailable, error.Message, "draining"),
        _ => new(499, ErrorKind.Internal, error.Message, "client_closed_request"),
    };

    public static GatewayError AllFailed(IReadOnlyList<(string Deployment, ProviderError Error)> attempts)
    {
        var summary = string.Join("; ", attempts.Select(a => $"{a.Deployment}: {Describe(a.Error)}"));
        return new GatewayError(503, ErrorKind.Unavailable, $"Every deployment failed. {summary}", "all_deployments_failed")
        {
            RetryAfter = attempts.Min(a => a.Error.RetryAfter),
        };
    }

    private static GatewayError FromStatus(ProviderError error, string deployment)
    {
        var status = error.Status;
        // A provider refusing the proxy's own credentials is the operator's problem, not the client's key.
        if (status is 401 or 403)
        {
            return new(502, ErrorKind.Upstream, $"{deployment} rejected the proxy's credentials (HTTP {status}): {error.Message}", "upstream_auth_failed");
        }
        if (status == 429)
        {
            return new(429, ErrorKind.RateLimited, error.Message, error.Code ?? "rate_limit_exceeded") { RetryAfter = error.RetryAfter, Type = error.Type };
        }
        if (status == 408)
        {
            return new(504, ErrorKind.Timeout, $"{deployment}: {error.Message}", "upstream_timeout");
        }
        if (status is >= 400 and < 500)
        {
            // The client's own mistake as the provider saw it: its status, message, type, code and param, unchanged.
            var kind = status switch { 404 => ErrorKind.NotFound, 413 => ErrorKind.RequestTooLarge, _ => ErrorKind.InvalidRequest };
            return new(status, kind, error.Message, error.Code, error.Param) { Type = error.Type };
        }
        return new(502, ErrorKind.Upstream, $"{deployment} answered HTTP {status}: {error.Message}", "upstream_error")
        {
            RetryAfter = error.RetryAfter,
        };
    }

    private static string Describe(ProviderError error) =>
        error.Kind == ProviderErrorKind.UpstreamStatus ? $"HTTP {error.Status} {error.Message}" : error.Message;
}
