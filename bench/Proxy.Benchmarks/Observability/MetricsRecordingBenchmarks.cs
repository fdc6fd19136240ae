using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Hosting;
using LlmProxy.Observability;
using LlmProxy.Providers;
using LlmProxy.Usage;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace LlmProxy.Benchmarks.Observability;

/// <summary>
/// What recording one proxied request's metrics costs (issue 15: at most 1 µs and nothing allocated): the proxy's own
/// <see cref="ProxyMetrics.Apply"/> of a streamed request's observation (its counters, three histograms, three
/// token buckets, the cost, its attempt and its HTTP answer) into OpenTelemetry's SDK, as the observer's thread does; and, for the choice of library, the same values recorded by hand through
/// System.Diagnostics.Metrics and OpenTelemetry, and through prometheus-net (references).
/// </summary>
[MemoryDiagnoser]
public class MetricsRecordingBenchmarks : IDisposable
{
    private static readonly UsageRecord Streamed = new(0, "key_1", "dev", null, "gpt-4o-mini", "oai", "gpt-4o-mini", "chat.completions", 200, null,
        new TokenUsage(120, 30, CachedInputTokens: 20), 123_456_789, false, 812.3, 95.5, 0.123, 1, false, true);

    private readonly HttpMessageInvoker _unused = new(new SocketsHttpHandler());
    private readonly ProxyMetrics _proxyMetrics;
    private readonly LlmProxy.Routing.Deployment _deployment;
    private readonly Meter _meter = new("bench.llm_proxy");
    private readonly MeterProvider _provider;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _overhead;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;

    private readonly Prometheus.Counter _promRequests;
    private readonly Prometheus.Histogram _promDuration;
    private readonly Prometheus.Histogram _promOverhead;
    private readonly Prometheus.Counter _promTokens;
    private readonly Prometheus.Counter _promCost;

    public MetricsRecordingBenchmarks()
    {
        _requests = _meter.CreateCounter<long>("llm_proxy.requests");
        _duration = _meter.CreateHistogram<double>("llm_proxy.request.duration", "s");
        _overhead = _meter.CreateHistogram<double>("llm_proxy.overhead", "s");
        _tokens = _meter.CreateCounter<long>("llm_proxy.tokens");
        _cost = _meter.CreateCounter<double>("llm_proxy.cost", "USD");
        var config = ConfigLoader.Parse("""
            { "providers": { "oai": { "type": "mock" } }, "models": { "gpt-4o-mini": [ { "provider": "oai", "model": "gpt-4o-mini" } ] } }
            """, "proxy.json", EnvironmentExpander.Process);
        var catalog = ProxyRuntime.Build(config, new ProviderServices(_unused, TimeProvider.System, NullLoggerFactory.Instance)).Catalog;
        _deployment = catalog.Find("gpt-4o-mini")!.Deployments[0];
        _proxyMetrics = new ProxyMetrics(catalog, new LlmProxy.Access.LocalRequestLimiter(TimeProvider.System), null);
        _provider = Sdk.CreateMeterProviderBuilder().AddMeter(_meter.Name, ProxyMetrics.MeterName)
            .AddReader(new BaseExportingMetricReader(new NullExporter()) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative })
            .Build()!;

        var registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _promRequests = factory.CreateCounter("llm_proxy_requests_total", "requests", "route", "alias", "provider", "deployment", "status_class");
        _promDuration = factory.CreateHistogram("llm_proxy_request_duration_seconds", "duration", "route", "alias", "deployment");
        _promOverhead = factory.CreateHistogram("llm_proxy_overhead_seconds", "overhead", "route", "alias", "deployment");
        _promTokens = factory.CreateCounter("llm_proxy_tokens_total", "tokens", "alias", "deployment", "bucket");
        _promCost = factory.CreateCounter("llm_proxy_cost_usd_total", "cost", "alias");
    }

    /// <summary>A proxied request's observation (its answer with its ledger record and its one attempt), as the observer's thread applies it.</summary>
    [Benchmark]
    public void ProxyRecord()
    {
        _proxyMetrics.Apply(Observation.Answered("/v1/chat/completions", "POST", 200, null, Streamed, new AttemptEnd("gpt-4o-mini", _deployment, "ok")));
        _proxyMetrics.Flush(); // a batch of one request: the counters' sums are not shared with the next one's
    }

    /// <summary>
    /// The same per request, in a batch of 64 to one alias, as the observer's thread gets them under load (a gathering
    /// of 20 ms holds a few hundred): the counters' runs reach OpenTelemetry once per batch, the histograms per request.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public void ProxyRecordInBatch()
    {
        for (var i = 0; i < 64; i++)
        {
            _proxyMetrics.Apply(Observation.Answered("/v1/chat/completions", "POST", 200, null, Streamed, new AttemptEnd("gpt-4o-mini", _deployment, "ok")));
        }
        _proxyMetrics.Flush();
    }

    [Benchmark]
    [BenchmarkCategory(AllocationBudgets.Reference)]
    public void OpenTelemetry()
    {
        var request = new TagList
        {
            { "route", "/v1/chat/completions" }, { "alias", "gpt-4o-mini" }, { "provider", "oai" }, { "deployment", "oai/gpt-4o-mini" }, { "status_class", "2xx" },
        };
        _requests.Add(1, request);
        var timing = new TagList { { "route", "/v1/chat/completions" }, { "alias", "gpt-4o-mini" }, { "deployment", "oai/gpt-4o-mini" } };
        _duration.Record(0.8123, timing);
        _overhead.Record(0.000123, timing);
        foreach (var (bucket, count) in Buckets)
        {
            _tokens.Add(count, new TagList { { "alias", "gpt-4o-mini" }, { "deployment", "oai/gpt-4o-mini" }, { "bucket", bucket } });
        }
        _cost.Add(0.000123, new KeyValuePair<string, object?>("alias", "gpt-4o-mini"));
    }

    [Benchmark]
    [BenchmarkCategory(AllocationBudgets.Reference)]
    public void PrometheusNet()
    {
        _promRequests.WithLabels("/v1/chat/completions", "gpt-4o-mini", "oai", "oai/gpt-4o-mini", "2xx").Inc();
        _promDuration.WithLabels("/v1/chat/completions", "gpt-4o-mini", "oai/gpt-4o-mini").Observe(0.8123);
        _promOverhead.WithLabels("/v1/chat/completions", "gpt-4o-mini", "oai/gpt-4o-mini").Observe(0.000123);
        foreach (var (bucket, count) in Buckets)
        {
            _promTokens.WithLabels("gpt-4o-mini", "oai/gpt-4o-mini", bucket).Inc(count);
        }
        _promCost.WithLabels("gpt-4o-mini").Inc(0.000123);
    }

    private static readonly (string, long)[] Buckets = [("input", 120), ("cached_input", 20), ("cache_write", 0), ("output", 30), ("reasoning", 5)];

    public void Dispose()
    {
        _provider.Dispose();
        _proxyMetrics.Dispose();
        _meter.Dispose();
        _unused.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed class NullExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
