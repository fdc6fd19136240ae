using System.Security.Cryptography;
using System.Text;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Inbound;
using Microsoft.Net.Http.Headers;

namespace LlmProxy.Admin;

/// <summary>
/// Guards every <c>/admin</c> path, known or not, with the master key (<c>admin.masterKey</c>) sent as
/// <c>Authorization: Bearer</c>. Without a master key configured the admin API does not exist: every <c>/admin</c> path
/// gets <paramref name="unknownRoute"/>'s answer (404), the same as any path the proxy does not serve. A missing or wrong
/// key is a 401 before anything else (not even a 404 or 405 tells an outsider which admin routes exist). With
/// <c>server.metricsRequireMasterKey</c> it guards <c>GET /metrics</c> the same way.
/// </summary>
internal sealed class AdminGate(RequestDelegate next, AdminOptions options, ErrorResponder errors, RequestDelegate unknownRoute, bool guardMetrics = false)
{
    public const string MetricsPath = "/metrics";

    public const string PathPrefix = "/admin";

    // Compared as SHA-256 digests: FixedTimeEquals is constant-time only over equal lengths, and digests always are,
    // so neither the key's bytes nor its length leak through timing.
    private readonly byte[]? _masterKeyHash = string.IsNullOrEmpty(options.MasterKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.MasterKey));

    public Task InvokeAsync(HttpContext context)
    {
        var metrics = guardMetrics && context.Request.Path.StartsWithSegments(MetricsPath);
        if (!metrics && !context.Request.Path.StartsWithSegments(PathPrefix))
        {
            return next(context);
        }
        if (_masterKeyHash is null)
        {
            return unknownRoute(context);
        }
        var presented = Bearer(context.Request.Headers);
        if (presented.IsEmpty)
        {
            return errors.WriteAsync(context, new GatewayError(401, ErrorKind.Authentication,
                $"{(metrics ? "/metrics" : "The admin API")} needs the master key, sent as 'Authorization: Bearer MASTER_KEY'.", "missing_master_key"));
        }
        if (!Matches(presented))
        {
            return errors.WriteAsync(context, new GatewayError(401, ErrorKind.Authentication, "The master key is not valid.", "invalid_master_key"));
        }
        return next(context);
    }

    private bool Matches(ReadOnlySpan<char> presented)
    {
        // Bounded before hashing: no master key is that long, and a megabyte header is work for nothing.
        if (presented.Length > 4096)
        {
            return false;
        }
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(presented.Length)];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(presented, utf8)], hash);
        return CryptographicOperations.FixedTimeEquals(hash, _masterKeyHash);
    }

    private static ReadOnlySpan<char> Bearer(IHeaderDictionary headers)
    {
        var authorization = headers[HeaderNames.Authorization];
        if (authorization.Count != 1)
        {
            return default;
        }
        var value = authorization[0].AsSpan().Trim();
        return value.Length > 7 && value[..7].Equals("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : default;
    }
}
