using System.Diagnostics;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Routing;
using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// The proxy's spans, on one <see cref="ActivitySource"/> (<c>LlmProxy</c>), named and tagged after the OpenTelemetry
/// GenAI semantic conventions as of semconv 1.37 (<c>gen_ai.provider.name</c>, which replaced <c>gen_ai.system</c>):
/// <list type="bullet">
/// <item>A SERVER span per proxied request, <c>chat {alias}</c>: the child of the client's W3C <c>traceparent</c> when it
/// sent one, else a new trace.</item>
/// <item>A CLIENT span per upstream attempt (every retry, fallback and hedge), <c>chat {provider model}</c>, a child of
/// the request's span; <see cref="UpstreamTracingHandler"/> adds the provider's address and status and sends its
/// <c>traceparent</c>.</item>
/// </list>
/// Only names, counts, classes and ids are recorded: never a prompt, a completion, a provider's error text or a key's secret.
/// Off (no <c>telemetry.otlpEndpoint</c>) every method returns at once, allocating nothing.
/// </summary>
internal sealed class ProxyTracing(TelemetryOptions? options)
{
    /// <summary>The name of the proxy's <see cref="ActivitySource"/>, which the exporter subscribes to.</summary>
    public const string SourceName = "LlmProxy";

    /// <summary>The value of <c>gen_ai.operation.name</c>: every proxied API (Chat Completions, Messages, Responses) is a chat.</summary>
    public const string Operation = "chat";

    /// <summary>
    /// One source for the process. Whether a host traces is its own <see cref="ProxyTracing"/>'s decision, not whether the
    /// source has listeners: another host in the same process (tests) may be listening.
    /// </summary>
    public static readonly ActivitySource Source = new(SourceName);

    private readonly bool _enabled = options is not null;

    /// <summary>Whether this host traces (its config has <c>telemetry.otlpEndpoint</c>).</summary>
    public bool Enabled => _enabled;

    /// <summary>
    /// Starts the request's SERVER span, the child of the client's <c>traceparent</c>/<c>tracestate</c> (W3C Trace Context)
    /// when they parse; null when tracing is off, nothing listens, or the sampler dropped the trace.
    /// Its name and most attributes are set by <see cref="EndRequest"/>, once the alias and the outcome are known.
    /// </summary>
    public Activity? StartRequest(HttpContext context)
    {
        if (!_enabled || !Source.HasListeners())
        {
            return null;
        }
        var headers = context.Request.Headers;
        ActivityContext.TryParse(headers.TraceParent, headers.TraceState, isRemote: true, out var parent);
        // A background Responses run continues in the POST's span (queued, answered): its own work is an INTERNAL child.
        var span = Activity.Current is { Kind: ActivityKind.Server } queued && queued.Source == Source
            ? Source.StartActivity(Operation, ActivityKind.Internal)
            : Source.StartActivity(ActivityKind.Server, parent, name: Operation);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(GenAIAttributes.OperationName, Operation);
            span.SetTag(HttpRequestMethod, context.Request.Method);
            span.SetTag(UrlPath, context.Request.Path.Value);
            span.SetTag(ProxyAttributes.RequestId, context.TraceIdentifier);
        }
        return span;
    }

    /// <summary>
    /// Names and tags the request's span from its ledger <paramref name="record"/> (null when a background run took the
    /// request over and will record it): alias, key name, API, stream, summed token usage, attempts, the status the client
    /// got, and the error class when it failed (server spans are errors from status 500 on, as HTTP semconv says).
    /// </summary>
    public static void EndRequest(Activity? span, UsageRecord? record)
    {
        if (span is not { IsAllDataRequested: true } || record is null)
        {
            return;
        }
        // A model no deployment served may be any string the client sent: not a span name.
        if (record.Provider is not null)
        {
            span.DisplayName = $"{Operation} {record.Model}";
            span.SetTag(GenAIAttributes.RequestModel, record.Model);
        }
        span.SetTag(ProxyAttributes.KeyName, record.KeyName);
        span.SetTag(ProxyAttributes.Api, record.Dialect);
        span.SetTag(ProxyAttributes.Stream, record.Stream);
        span.SetTag(ProxyAttributes.Attempts, record.Attempts);
        span.SetTag(HttpResponseStatusCode, record.Status);
        if (record.Provider is not null)
        {
            span.SetTag(GenAIAttributes.UsageInputTokens, record.Tokens.InputTokens);
            span.SetTag(GenAIAttributes.UsageOutputTokens, record.Tokens.OutputTokens);
            if (record.Estimated)
            {
                span.SetTag(ProxyAttributes.UsageEstimated, true);
            }
        }
        if (record.ErrorClass is { } errorClass)
        {
            span.SetTag(ErrorType, errorClass);
        }
        if (record.Status >= 500)
        {
            span.SetStatus(ActivityStatusCode.Error, record.ErrorClass);
        }
    }

    /// <summary>
    /// Starts the CLIENT span of one attempt (numbered from 1 within the request) on <paramref name="deployment"/>, the
    /// child of the current request span; null when the request is not traced, or its trace is not sampled (parent-based
    /// sampling would drop the child anyway: the request's span, current still, is then what providers are told).
    /// </summary>
    public Activity? StartAttempt(Deployment deployment, int attempt)
    {
        if (!_enabled || Activity.Current is not { IsAllDataRequested: true, Source: var source } || source != Source)
        {
            return null;
        }
        // No explicit parent: the current (request) span is, and as an object, so the attempt that serves can tag it.
        var span = Source.StartActivity($"{Operation} {deployment.ProviderModel}", ActivityKind.Client);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(GenAIAttributes.OperationName, Operation);
            span.SetTag(GenAIAttributes.ProviderName, GenAIAttributes.ProviderNameOf(deployment.Provider.Config.Type));
            span.SetTag(GenAIAttributes.RequestModel, deployment.ProviderModel);
            span.SetTag(ProxyAttributes.Deployment, deployment.Name);
            span.SetTag(ProxyAttributes.Attempt, attempt);
        }
        return span;
    }

    /// <summary>
    /// Tags the attempt's span with the usage its provider reported (null: none) and, when it failed, the proxy's error
    /// class (<c>upstream_error</c>, <c>upstream_timeout</c>, <c>upstream_connect</c>, <c>canceled</c>...; a hedge that lost
    /// is <c>canceled</c> but no error). The attempt that served also names its deployment on the request's span.
    /// </summary>
    public static void EndAttempt(Activity? span, Deployment deployment, TokenUsage? usage, string? errorClass)
    {
        if (span is not { IsAllDataRequested: true })
        {
            return;
        }
        if (usage is { } tokens)
        {
            span.SetTag(GenAIAttributes.UsageInputTokens, tokens.InputTokens);
            span.SetTag(GenAIAttributes.UsageOutputTokens, tokens.OutputTokens);
        }
        if (errorClass is not null)
        {
            span.SetTag(ErrorType, errorClass);
            if (errorClass != CanceledClass)
            {
                span.SetStatus(ActivityStatusCode.Error, errorClass);
            }
            return;
        }
        if (span.Parent is { IsAllDataRequested: true } request)
        {
            request.SetTag(GenAIAttributes.ProviderName, GenAIAttributes.ProviderNameOf(deployment.Provider.Config.Type));
            request.SetTag(GenAIAttributes.ResponseModel, deployment.ProviderModel);
            request.SetTag(ProxyAttributes.Deployment, deployment.Name);
        }
    }

    private const string CanceledClass = "canceled";
    private const string HttpRequestMethod = "http.request.method";
    private const string UrlPath = "url.path";
    private const string ErrorType = "error.type";

    /// <summary>HTTP semconv: the status the client got (request span) or the provider answered (attempt span).</summary>
    public const string HttpResponseStatusCode = "http.response.status_code";
}
