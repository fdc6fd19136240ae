using LlmProxy.Access;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>
/// Guards every <c>/v1</c> path, known or not: no valid key, no further work (not even a 404), so the proxy tells
/// nothing to a caller without a key. The key found is put on the request's features for the pipeline. A known key
/// that was revoked or has expired is told so (401): its holder had it legitimately and needs to know to ask for a new one.
/// </summary>
internal sealed class ClientAuthentication(RequestDelegate next, AccessDirectory keys, TimeProvider time, ErrorResponder errors)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            return next(context);
        }
        var presented = ClientCredentials.Read(context.Request.Headers);
        if (presented.IsEmpty)
        {
            return errors.WriteAsync(context, new GatewayError(401, ErrorKind.Authentication,
                "No API key was sent. Send it as 'Authorization: Bearer KEY' or 'x-api-key: KEY'.", "missing_api_key"));
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var key = keys.Find(presented, now);
        if (key is null)
        {
            return errors.WriteAsync(context, new GatewayError(401, ErrorKind.Authentication, "The API key is not valid.", "invalid_api_key"));
        }
        if (key.Revoked)
        {
            return errors.WriteAsync(context, new GatewayError(401, ErrorKind.Authentication, "This API key has been revoked.", "revoked_api_key"));
        }
        if (key.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            return errors.WriteAsync(context, new GatewayError(401, ErrorKind.Authentication,
                $"This API key expired at {DateTimeOffset.FromUnixTimeSeconds(expiresAt):yyyy-MM-ddTHH:mm:ssZ}.", "expired_api_key"));
        }
        context.Features.Set(key);
        return next(context);
    }
}
