using System.Net;
using System.Text;
using LlmProxy.Observability;
using LlmProxy.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace LlmProxy.IntegrationTests.Observability;

/// <summary>
/// Traces as a collector receives them: the proxy on Kestrel, fake providers, and a fake OTLP collector decoding the
/// protobuf exports. The proxy is disposed before each check, which flushes the exporter's batch: no waiting on timers.
/// One class, so its tracing proxies never run beside each other (tracer providers listen to a source by name, process-wide).
/// </summary>
public sealed class TracingTests
{
    private const string Prompt = "prompt-text-never-exported-4b7e";
    private const string Completion = "completion-text-never-exported-9c2d";
    private const string ClientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ClientSpanId = "00f067aa0ba902b7";

    [Fact]
    public async Task Tracing_FallbackAfterA500_OneServerSpanAndAClientSpanPerAttemptWithTheirAttributes()
    {
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using var failing = await FakeOpenAI.StartAsync();
        await using var serving = await FakeOpenAI.StartAsync();
        failing.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 500,
            """{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}""");
        serving.Reply = Completion;
        var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(Telemetry(collector, """, "serviceName": "llm-proxy-test" """), "traced",
            ProxyHost.OpenAIProvider(failing), ProxyHost.OpenAIProvider(serving)));
        var request = Chat("traced", stream: false);
        request.Headers.Add("traceparent", $"00-{ClientTraceId}-{ClientSpanId}-01");
        request.Headers.Add("tracestate", "vendor=abc");
        var (status, body, requestId) = await SendThenStopAsync(proxy, request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(Completion, body);

        var spans = collector.Spans;
        var server = Assert.Single(spans, span => span.Kind == OtlpSpan.ServerKind);
        var attempts = spans.Where(span => span.Kind == OtlpSpan.ClientKind).OrderBy(span => (long)span["llm_proxy.attempt"]!).ToList();
        Assert.Equal(3, spans.Count);
        Assert.Equal(2, attempts.Count);
        Assert.All(spans, span => Assert.Equal(ClientTraceId, span.TraceId)); // the client's trace is continued
        Assert.Equal(ClientSpanId, server.ParentSpanId);
        Assert.All(attempts, attempt => Assert.Equal(server.SpanId, attempt.ParentSpanId));
        Assert.Equal(("LlmProxy", "llm-proxy-test"), (server.ScopeName, server.Resource["service.name"]));

        Assert.Equal("chat traced", server.Name);
        AssertAttributes(server, new()
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.request.model"] = "traced",
            ["gen_ai.provider.name"] = "openai",
            ["gen_ai.response.model"] = "upstream-model-1",
            ["gen_ai.usage.input_tokens"] = 19L, // the fake's usage: 19 in, 10 out
            ["gen_ai.usage.output_tokens"] = 10L,
            ["http.request.method"] = "POST",
            ["http.response.status_code"] = 200L,
            ["url.path"] = "/v1/chat/completions",
            ["llm_proxy.request_id"] = requestId,
            ["llm_proxy.key.name"] = "test",
            ["llm_proxy.api"] = "chat.completions",
            ["llm_proxy.stream"] = false,
            ["llm_proxy.attempts"] = 2L,
            ["llm_proxy.deployment"] = "p1/upstream-model-1",
        });
        Assert.Equal(0, server.StatusCode);

        var (first, second) = (attempts[0], attempts[1]);
        Assert.Equal(("chat upstream-model-0", "chat upstream-model-1"), (first.Name, second.Name));
        AssertAttributes(first, new()
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.provider.name"] = "openai",
            ["gen_ai.request.model"] = "upstream-model-0",
            ["server.address"] = "127.0.0.1",
            ["server.port"] = (long)failing.BaseUrl.Port,
            ["http.response.status_code"] = 500L,
            ["error.type"] = "upstream_error",
            ["llm_proxy.deployment"] = "p0/upstream-model-0",
            ["llm_proxy.attempt"] = 1L,
        });
        Assert.Equal(2, first.StatusCode);
        AssertAttributes(second, new()
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.provider.name"] = "openai",
            ["gen_ai.request.model"] = "upstream-model-1",
            ["gen_ai.usage.input_tokens"] = 19L,
            ["gen_ai.usage.output_tokens"] = 10L,
            ["server.address"] = "127.0.0.1",
            ["server.port"] = (long)serving.BaseUrl.Port,
            ["http.response.status_code"] = 200L,
            ["llm_proxy.deployment"] = "p1/upstream-model-1",
            ["llm_proxy.attempt"] = 2L,
        });
        Assert.Equal(0, second.StatusCode);

        // Each provider was told the span of the attempt that called it, and the client's tracestate.
        Assert.Equal($"00-{ClientTraceId}-{first.SpanId}-01", Assert.Single(failing.Requests).Header("traceparent"));
        Assert.Equal($"00-{ClientTraceId}-{second.SpanId}-01", Assert.Single(serving.Requests).Header("traceparent"));
        Assert.Equal("vendor=abc", serving.Requests[0].Header("tracestate"));

        // Content never leaves the proxy in a span, whatever the encoding of the export.
        foreach (var export in collector.Exports)
        {
            Assert.True(IndexOf(export, Prompt) < 0, "the prompt must never be exported");
            Assert.True(IndexOf(export, Completion) < 0, "the completion must never be exported");
            Assert.True(IndexOf(export, ProxyHost.ClientKey) < 0, "a client key must never be exported");
            Assert.True(IndexOf(export, FakeOpenAI.Key) < 0, "a provider key must never be exported");
        }
    }

    [Fact]
    public async Task Tracing_HedgeAfterASlowFirst_ASpanPerAttemptAndTheLoserCanceledNotFailed()
    {
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using var slow = await FakeOpenAI.StartAsync();
        await using var fast = await FakeOpenAI.StartAsync();
        slow.Override = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted); // no answer until the proxy gives up on it
        var proxy = await ProxyHost.StartAsync($$"""
            {
              {{Telemetry(collector)}}
              "providers": { "p0": {{ProxyHost.OpenAIProvider(slow)}}, "p1": {{ProxyHost.OpenAIProvider(fast)}} },
              "models": { "hedged": { "hedgeAfterMs": 50, "deployments": [ { "provider": "p0", "model": "slow" }, { "provider": "p1", "model": "fast" } ] } },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
            }
            """);
        var request = Chat("hedged", stream: false);
        var (status, _, _) = await SendThenStopAsync(proxy, request);
        Assert.Equal(HttpStatusCode.OK, status);

        var spans = collector.Spans;
        var server = Assert.Single(spans, span => span.Kind == OtlpSpan.ServerKind);
        var loser = Assert.Single(spans, span => span.Name == "chat slow");
        var winner = Assert.Single(spans, span => span.Name == "chat fast");
        Assert.All([loser, winner], attempt => Assert.Equal((OtlpSpan.ClientKind, server.SpanId), (attempt.Kind, attempt.ParentSpanId)));
        Assert.Equal((1L, "canceled", 0), (loser["llm_proxy.attempt"], loser["error.type"], loser.StatusCode));
        Assert.Equal((2L, null, 200L), (winner["llm_proxy.attempt"], winner["error.type"], winner["http.response.status_code"]));
        Assert.Equal(("p1/fast", 2L), (server["llm_proxy.deployment"], server["llm_proxy.attempts"]));
        Assert.Equal($"00-{server.TraceId}-{loser.SpanId}-01", Assert.Single(slow.Requests).Header("traceparent"));
        Assert.Equal($"00-{server.TraceId}-{winner.SpanId}-01", Assert.Single(fast.Requests).Header("traceparent"));
    }

    [Fact]
    public async Task Tracing_StreamWithUsage_SpansCarryTheStreamedUsage()
    {
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using var upstream = await FakeOpenAI.StartAsync();
        upstream.Reply = Completion;
        var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(Telemetry(collector), "streamed", ProxyHost.OpenAIProvider(upstream)));
        var request = Chat("streamed", stream: true);
        var (status, body, _) = await SendThenStopAsync(proxy, request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("[DONE]", body);

        var spans = collector.Spans;
        var server = Assert.Single(spans, span => span.Kind == OtlpSpan.ServerKind);
        var attempt = Assert.Single(spans, span => span.Kind == OtlpSpan.ClientKind);
        Assert.Equal(32, server.TraceId.Length); // no traceparent from the client: a new trace
        Assert.Equal("", server.ParentSpanId);
        Assert.Equal((true, 19L, 10L), (server["llm_proxy.stream"], server["gen_ai.usage.input_tokens"], server["gen_ai.usage.output_tokens"]));
        Assert.Equal((19L, 10L), (attempt["gen_ai.usage.input_tokens"], attempt["gen_ai.usage.output_tokens"]));
        Assert.Equal($"00-{server.TraceId}-{attempt.SpanId}-01", Assert.Single(upstream.Requests).Header("traceparent"));
        Assert.All(collector.Exports, export => Assert.True(IndexOf(export, Completion) < 0, "streamed content must never be exported"));
    }

    [Fact]
    public async Task Tracing_OtlpOverGrpc_SpansReachTheCollector()
    {
        await using var collector = await FakeOtlpCollector.StartAsync(grpc: true);
        var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(Telemetry(collector, """, "otlpProtocol": "grpc" """), "mocked", """{ "type": "mock" }"""));
        var request = Chat("mocked", stream: false);
        var (status, _, _) = await SendThenStopAsync(proxy, request);
        Assert.Equal(HttpStatusCode.OK, status);

        var spans = collector.Spans;
        Assert.Equal(("chat mocked", "llm_proxy.mock"), (Assert.Single(spans, span => span.Kind == OtlpSpan.ServerKind).Name,
            Assert.Single(spans, span => span.Kind == OtlpSpan.ClientKind)["gen_ai.provider.name"]));
    }

    [Fact]
    public async Task Tracing_PropagateContextOff_SpansExportedButNoTraceparentUpstream()
    {
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using var upstream = await FakeOpenAI.StartAsync();
        var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(Telemetry(collector, """, "propagateContext": false """), "quiet",
            ProxyHost.OpenAIProvider(upstream)));
        var request = Chat("quiet", stream: false);
        request.Headers.Add("traceparent", $"00-{ClientTraceId}-{ClientSpanId}-01");
        var (status, _, _) = await SendThenStopAsync(proxy, request);
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Equal(2, collector.Spans.Count(span => span.TraceId == ClientTraceId));
        Assert.Null(Assert.Single(upstream.Requests).Header("traceparent"));
        Assert.Null(upstream.Requests[0].Header("tracestate"));
    }

    [Fact]
    public async Task Tracing_ClientNotSampled_NothingExportedAndTheDecisionPropagated()
    {
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using var upstream = await FakeOpenAI.StartAsync();
        var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(Telemetry(collector), "unsampled", ProxyHost.OpenAIProvider(upstream)));
        var request = Chat("unsampled", stream: false);
        request.Headers.Add("traceparent", $"00-{ClientTraceId}-{ClientSpanId}-00");
        var (status, _, _) = await SendThenStopAsync(proxy, request);
        Assert.Equal(HttpStatusCode.OK, status);

        Assert.Empty(collector.Spans);
        // Parent-based sampling: the provider is told the trace and that it is not sampled, so it does not record either.
        var sent = Assert.Single(upstream.Requests).Header("traceparent");
        Assert.NotNull(sent);
        Assert.Matches($"^00-{ClientTraceId}-[0-9a-f]{{16}}-00$", sent);
    }

    [Fact]
    public async Task Tracing_NoTelemetrySection_NoTracerNoSpanAndNoTraceparentUpstream()
    {
        await using var upstream = await FakeOpenAI.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("untraced", ProxyHost.OpenAIProvider(upstream)));

        using var request = Chat("untraced", stream: false);
        request.Headers.Add("traceparent", $"00-{ClientTraceId}-{ClientSpanId}-01");
        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(proxy.Services.GetService<TracerProvider>());
        Assert.False(proxy.Services.GetRequiredService<ProxyTracing>().Enabled);
        Assert.Null(Assert.Single(upstream.Requests).Header("traceparent"));
        Assert.Null(upstream.Requests[0].Header("tracestate"));
    }

    // Sends one request, then stops the proxy: stopping flushes the exporter's batch to the collector.
    private static async Task<(HttpStatusCode Status, string Body, string RequestId)> SendThenStopAsync(ProxyHost proxy, HttpRequestMessage request)
    {
        try
        {
            using (request)
            using (var response = await proxy.Client.SendAsync(request))
            {
                return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.GetValues("x-request-id").Single());
            }
        }
        finally
        {
            await proxy.DisposeAsync();
        }
    }

    private static string Telemetry(FakeOtlpCollector collector, string extra = "") =>
        $$""" "telemetry": { "otlpEndpoint": "{{collector.Endpoint}}" {{extra}} }, """;

    private static HttpRequestMessage Chat(string model, bool stream) => new(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = new StringContent($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{Prompt}}"}]}""",
            Encoding.UTF8, "application/json"),
    };

    private static void AssertAttributes(OtlpSpan span, Dictionary<string, object> expected)
    {
        foreach (var (key, value) in expected)
        {
            Assert.True(span.Attributes.TryGetValue(key, out var actual), $"span '{span.Name}' lacks {key}");
            Assert.True(Equals(value, actual), $"span '{span.Name}': {key} is {actual} ({actual.GetType().Name}), expected {value}");
        }
    }

    private static int IndexOf(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle));
}
