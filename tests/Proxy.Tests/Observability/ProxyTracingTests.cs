using System.Diagnostics;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Observability;
using LlmProxy.Usage;
using Microsoft.AspNetCore.Http;

namespace LlmProxy.Tests.Observability;

/// <summary>
/// The request span's start and end without a host: a listener stands in for the exporter. A host decides by its own
/// config whether it traces, never by whether someone listens to the process-wide source.
/// </summary>
public sealed class ProxyTracingTests : IDisposable
{
    private static readonly TelemetryOptions On = new(new Uri("http://127.0.0.1:4318"), TelemetryOptions.HttpProtobuf, "test", 1.0, true);
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == ProxyTracing.SourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public ProxyTracingTests() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();

    [Fact]
    public void StartRequest_TracingOffThoughTheSourceHasAListener_NoSpan()
    {
        Assert.True(ProxyTracing.Source.HasListeners());

        Assert.Null(new ProxyTracing(null).StartRequest(Request(traceparent: null)));
    }

    [Fact]
    public void StartRequest_ClientTraceparentAndTracestate_ServerSpanContinuesTheClientTrace()
    {
        using var span = new ProxyTracing(On).StartRequest(Request("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=abc"));

        Assert.NotNull(span);
        Assert.Equal((ActivityKind.Server, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "vendor=abc"),
            (span.Kind, span.TraceId.ToHexString(), span.ParentSpanId.ToHexString(), span.TraceStateString));
        Assert.Equal(("chat", "chat", "POST", "req-1"), (span.DisplayName, span.GetTagItem("gen_ai.operation.name"), span.GetTagItem("http.request.method"),
            span.GetTagItem("llm_proxy.request_id")));
    }

    [Theory]
    [InlineData("not-a-traceparent")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")] // an all-zero trace id is invalid (W3C Trace Context 3.2.2.3)
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]
    public void StartRequest_MalformedTraceparent_NewRootTrace(string traceparent)
    {
        using var span = new ProxyTracing(On).StartRequest(Request(traceparent));

        Assert.NotNull(span);
        Assert.Equal(default, span.ParentSpanId);
        Assert.NotEqual("4bf92f3577b34da6a3ce929d0e0e4736", span.TraceId.ToHexString());
    }

    [Fact]
    public void EndRequest_FailedRequest_NamedByAliasTaggedWithUsageStatusAndErrorClass()
    {
        using var span = new ProxyTracing(On).StartRequest(Request(traceparent: null))!;
        var record = new UsageRecord(0, "key_1", "dev", null, "gpt-4o-mini", "oai", "gpt-4o-mini", "chat.completions", 503, "all_deployments_failed",
            new TokenUsage(12, 0), 0, true, 10, null, 1, 3, false, true);

        ProxyTracing.EndRequest(span, record);

        Assert.Equal("chat gpt-4o-mini", span.DisplayName);
        Assert.Equal(("gpt-4o-mini", "dev", "chat.completions", true, 3), (span.GetTagItem("gen_ai.request.model"), span.GetTagItem("llm_proxy.key.name"),
            span.GetTagItem("llm_proxy.api"), span.GetTagItem("llm_proxy.stream"), span.GetTagItem("llm_proxy.attempts")));
        Assert.Equal((12L, 0L, true), (span.GetTagItem("gen_ai.usage.input_tokens"), span.GetTagItem("gen_ai.usage.output_tokens"),
            span.GetTagItem("llm_proxy.usage.estimated")));
        Assert.Equal((503, "all_deployments_failed", ActivityStatusCode.Error), (span.GetTagItem("http.response.status_code"), span.GetTagItem("error.type"), span.Status));
    }

    [Fact]
    public void EndRequest_RefusedBeforeAnyProvider_NoUsageAndNotAnError()
    {
        using var span = new ProxyTracing(On).StartRequest(Request(traceparent: null))!;
        var record = new UsageRecord(0, "key_1", "dev", null, "made-up", null, null, "chat.completions", 400, "model_not_found",
            default, 0, false, 1, null, 1, 0, false, false);

        ProxyTracing.EndRequest(span, record);

        Assert.Null(span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(("model_not_found", ActivityStatusCode.Unset), (span.GetTagItem("error.type"), span.Status));
    }

    [Fact]
    public void RequestPath_TracingOff_AllocatesNothing()
    {
        var tracing = new ProxyTracing(null);
        var context = Request("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        RequestPath(tracing, context); // once for the JIT

        var before = GC.GetAllocatedBytesForCurrentThread();
        RequestPath(tracing, context);

        Assert.True(GC.GetAllocatedBytesForCurrentThread() == before, "tracing off must cost the request path no allocation");

        // Off, no method looks at the deployment: none is needed to prove it.
        static void RequestPath(ProxyTracing tracing, HttpContext context)
        {
            using var request = tracing.StartRequest(context);
            using var attempt = tracing.StartAttempt(null!, 1);
            ProxyTracing.EndAttempt(attempt, null!, new TokenUsage(1, 2), "upstream_error");
            ProxyTracing.EndRequest(request, null);
        }
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("azure", "azure.ai.openai")]
    [InlineData("anthropic", "anthropic")]
    [InlineData("gemini", "gcp.gemini")]
    [InlineData("bedrock", "aws.bedrock")]
    [InlineData("mock", "llm_proxy.mock")]
    public void ProviderNameOf_ProviderType_TheSemconvWellKnownValue(string type, string expected)
    {
        Assert.Equal(expected, GenAIAttributes.ProviderNameOf(type));
    }

    private static HttpContext Request(string? traceparent, string? tracestate = null)
    {
        var context = new DefaultHttpContext { TraceIdentifier = "req-1" };
        context.Request.Method = "POST";
        context.Request.Path = "/v1/chat/completions";
        if (traceparent is not null)
        {
            context.Request.Headers.TraceParent = traceparent;
        }
        if (tracestate is not null)
        {
            context.Request.Headers.TraceState = tracestate;
        }
        return context;
    }
}
