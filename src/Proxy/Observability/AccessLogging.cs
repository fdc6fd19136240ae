using System.Diagnostics;
using LlmProxy.Access;
using LlmProxy.Inbound;

namespace LlmProxy.Observability;

/// <summary>
/// The access log's middleware, outside the error handler so that its 500s are logged too: after each request, its
/// <see cref="AccessLogEntry"/> (with the ledger record of the request's account, when the pipeline proxied it) goes to the <see cref="AccessLog"/>. The request thread only builds the entry; formatting and writing are the
/// log's thread's.
/// </summary>
internal sealed class AccessLogging(RequestDelegate next, AccessLog log, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var arrived = time.GetUtcNow().ToUnixTimeMilliseconds();
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var request = context.Request;
            log.Add(new AccessLogEntry(arrived, context.TraceIdentifier, request.Method, request.Path.Value ?? "", context.Response.StatusCode,
                context.Features.Get<ClientKey>()?.Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, context.Features.Get<RequestAccount>()?.Record));
        }
    }
}
