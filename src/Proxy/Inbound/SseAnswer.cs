using Microsoft.AspNetCore.Http.Features;

namespace LlmProxy.Inbound;

/// <summary>The head every translated stream starts with: 200, <c>text/event-stream</c>, no caching, and no response buffering, so each flush reaches the client.</summary>
internal static class SseAnswer
{
    public static void Begin(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }
}
