using System.Diagnostics;

namespace LlmProxy.Observability;

/// <summary>
/// The handler every provider's request passes through on the way to the one upstream connection pool, present only when
/// tracing is on. When the request runs inside an attempt's CLIENT span (<see cref="ProxyTracing.StartAttempt"/>) it tags
/// the span with the provider's <c>server.address</c>, <c>server.port</c> and <c>http.response.status_code</c>, and, when
/// <paramref name="propagate"/>, sends W3C Trace Context (https://www.w3.org/TR/trace-context/): <c>traceparent</c>
/// naming the attempt's span and the caller's <c>tracestate</c>, replacing any the request carried. A trace that is not
/// sampled has no attempt spans: the request's own span is sent, its flags <c>00</c> telling the provider not to record.
/// </summary>
internal sealed class UpstreamTracingHandler(HttpMessageHandler inner, bool propagate) : DelegatingHandler(inner)
{
    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Activity.Current is not { } span || span.Source != ProxyTracing.Source)
        {
            return base.SendAsync(request, cancellationToken);
        }
        if (propagate)
        {
            var headers = request.Headers;
            headers.Remove(TraceParent);
            headers.Remove(TraceState);
            // For a W3C activity, Id is exactly the traceparent value: 00-{trace id}-{span id}-{flags}.
            headers.TryAddWithoutValidation(TraceParent, span.Id);
            if (!string.IsNullOrEmpty(span.TraceStateString))
            {
                headers.TryAddWithoutValidation(TraceState, span.TraceStateString);
            }
        }
        return span.IsAllDataRequested ? SendTaggedAsync(span, request, cancellationToken) : base.SendAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendTaggedAsync(Activity span, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            span.SetTag("server.address", uri.Host);
            span.SetTag("server.port", uri.Port);
        }
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        span.SetTag(ProxyTracing.HttpResponseStatusCode, (int)response.StatusCode);
        return response;
    }
}
