using LlmProxy.Providers;

namespace LlmProxy.Inbound;

/// <summary>
/// Every answer's <c>x-request-id</c>, errors, 404s and health checks included, set before anything else runs: the
/// client's own when it sent a usable one (1 to 128 visible ASCII characters, so it can go back in a header and a log
/// line unchanged), else one the proxy makes, <c>req_</c> and 32 hex digits as OpenAI's look. Anthropic's routes also
/// get it as <c>request-id</c>, the header Anthropic's SDKs read into their errors and logs. It is the request's
/// <see cref="HttpContext.TraceIdentifier"/>. A provider's own request id moves to
/// <c>x-llm-proxy-upstream-request-id</c> (<see cref="CopyUpstream"/> on pass-through; the <see cref="AnswerGate"/> when translated).
/// </summary>
internal static class RequestIds
{
    public const string Header = "x-request-id";
    public const string AnthropicHeader = "request-id";
    public const string UpstreamHeader = "x-llm-proxy-upstream-request-id";
    public const int MaxLength = UpstreamCall.MaxRequestIdLength;

    /// <summary>The middleware: outermost, so that even the error handler's 500 carries the id.</summary>
    public static RequestDelegate Middleware(RequestDelegate next) => context =>
    {
        Assign(context);
        SetHeaders(context);
        return next(context);
    };

    /// <summary>Puts the request's id on its answer; again after an error handler cleared the headers.</summary>
    public static void SetHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers[Header] = context.TraceIdentifier;
        if (context.Request.Path.StartsWithSegments("/v1/messages"))
        {
            headers[AnthropicHeader] = context.TraceIdentifier;
        }
    }

    /// <summary>The client's id when usable, else a new one; kept as the request's trace identifier.</summary>
    public static string Assign(HttpContext context)
    {
        var sent = context.Request.Headers[Header];
        var id = sent.Count == 1 && sent[0] is { } value && IsUsable(value) ? value : New();
        context.TraceIdentifier = id;
        return id;
    }

    /// <summary>1 to <see cref="MaxLength"/> characters from <c>!</c> to <c>~</c>: no spaces, controls or non-ASCII.</summary>
    public static bool IsUsable(string id) => UpstreamCall.IsVisibleAscii(id);

    /// <summary>The provider's own request id (<see cref="UpstreamCall.RequestId"/>), when it sent a usable one, as <see cref="UpstreamHeader"/>.</summary>
    public static void CopyUpstream(UpstreamCall call, HttpResponse response)
    {
        if (call.RequestId is { } id)
        {
            response.Headers[UpstreamHeader] = id;
        }
    }

    private static string New() => string.Create(36, Guid.NewGuid(), static (span, guid) =>
    {
        "req_".CopyTo(span);
        guid.TryFormat(span[4..], out _, "N");
    });
}
