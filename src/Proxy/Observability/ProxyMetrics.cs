using System.Diagnostics;
using System.Diagnostics.Metrics;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Routing;
using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// The proxy's one <see cref="Meter"/> (<c>llm_proxy</c>) and what each proxied request records on it when it ends,
/// exposed at <c>GET /metrics</c> in Prometheus's names (OpenTelemetry's exporter turns <c>llm_proxy.requests</c> into
/// <c>llm_proxy_requests_total</c>, unit <c>s</c> into <c>_seconds</c>):
/// <list type="bullet">
/// <item><c>llm_proxy_requests_total{route,alias,provider,deployment,status_class}</c>; <c>route</c> is the client's API
/// (<c>chat.completions</c>, <c>messages</c>, <c>responses</c>...), <c>deployment</c> the provider's model,
/// <c>status_class</c> <c>2xx</c>..<c>5xx</c>; <c>none</c> for a request that reached no provider.</item>
/// <item><c>llm_proxy_request_duration_seconds</c>, <c>llm_proxy_time_to_first_token_seconds</c> and
/// <c>llm_proxy_overhead_seconds</c> histograms by <c>route</c> and <c>alias</c>; the overhead's buckets start at
/// 5 µs so that 10 µs differences show.</item>
/// <item><c>llm_proxy_tokens_total{alias,bucket}</c> (<c>input</c>, <c>cached_input</c>, <c>cache_write</c>,
/// <c>output</c>, <c>reasoning</c>) and <c>llm_proxy_cost_usd_total{alias}</c>, with <c>key</c> (the key's name, never
/// its secret) and <c>team</c> (its team's id) when <c>server.metricsKeyLabels</c> asks for them.</item>
/// <item><c>llm_proxy_upstream_attempts_total{alias,provider,deployment,outcome}</c> (<c>ok</c> or the failure's class:
/// <c>upstream_connect</c>, <c>upstream_timeout</c>, <c>upstream_error</c>, ...), and by <c>alias</c> and <c>reason</c>
/// (the failure that caused them) <c>llm_proxy_retries_total</c> (the same deployment again) and
/// <c>llm_proxy_fallbacks_total</c> (the next deployment); <c>llm_proxy_hedges_total{alias}</c> (a second attempt
/// started beside a slow first).</item>
/// <item><c>llm_proxy_http_requests_total{route,method,status_class}</c>: every request answered, admin, health and
/// refused ones included; <c>route</c> is the matched route's pattern (<c>/v1/chat/completions</c>,
/// <c>/admin/keys/{id}</c>), or <c>unmatched</c>.</item>
/// <item><c>llm_proxy_rate_limited_total{limit}</c> (<c>rpm</c>, <c>tpm</c>, <c>max_parallel</c>, <c>budget</c>): requests
/// a key's or its team's limit refused.</item>
/// <item>Read at each scrape, nothing per request: <c>llm_proxy_deployment_state{alias,provider,deployment,state}</c>
/// (1 for the deployment's state: <c>healthy</c>, <c>cooling_down</c>, <c>half_open</c>; 0 for the others) and
/// <c>llm_proxy_deployment_in_flight{alias,provider,deployment}</c> (its requests in flight, streams included);
/// <c>llm_proxy_requests_in_flight</c> and <c>llm_proxy_streams_open</c> (all proxied requests admitted and not yet
/// answered whole; of those, the streamed ones: two interlocked counts per request).</item>
/// </list>
/// Requests hand what these record to the <see cref="RequestObserver"/>, whose thread applies it (<see cref="Apply"/>);
/// the gauges, and the rare retries, fallbacks and hedges, are counted on the request's thread.
/// Labels are bounded: aliases, deployments and routes come from the config and the route table; a model name a
/// client made up is recorded as <c>unknown</c>. Never a key's secret. Recording a request allocates nothing.
/// </summary>
internal sealed class ProxyMetrics : IDisposable
{
    public const string MeterName = "llm_proxy";

    /// <summary>Upper bounds of the overhead histogram, seconds: from 5 µs.</summary>
    public static readonly double[] OverheadBuckets =
        [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    /// <summary>Upper bounds of the duration and time-to-first-token histograms, seconds: LLM answers take up to minutes.</summary>
    public static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private static readonly string[] TokenBuckets = ["input", "cached_input", "cache_write", "output", "reasoning"];

    private readonly Meter _meter;
    private readonly ModelCatalog _catalog;
    private readonly bool _keyLabels;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _overhead;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _hedges;
    private readonly Counter<long> _httpRequests;
    private readonly RunningSum<long> _requestsRun;
    private readonly RunningSum<long> _httpRequestsRun;
    private readonly RunningSum<long> _attemptsRun;
    private readonly RunningSum<long>[] _tokensRuns;
    private readonly RunningSum<double> _costRun;
    private long _inFlight;
    private long _openStreams;

    /// <param name="meterName">
    /// <see cref="MeterName"/> unless several proxies share the process (tests): the exporter listens by meter name, so
    /// each then needs its own to report only its own figures.
    /// </param>
    public ProxyMetrics(ModelCatalog catalog, IRequestLimiter limiter, UsageLedger? ledger, bool keyLabels = false, string meterName = MeterName)
    {
        _meter = new Meter(meterName);
        _catalog = catalog;
        _keyLabels = keyLabels;
        _meter.CreateObservableCounter("llm_proxy.rate_limited", () => new Measurement<long>[]
        {
            new(limiter.Refusals(RefusedLimit.Rpm), new KeyValuePair<string, object?>("limit", "rpm")),
            new(limiter.Refusals(RefusedLimit.Tpm), new KeyValuePair<string, object?>("limit", "tpm")),
            new(limiter.Refusals(RefusedLimit.MaxParallel), new KeyValuePair<string, object?>("limit", "max_parallel")),
            new(limiter.Refusals(RefusedLimit.Budget), new KeyValuePair<string, object?>("limit", "budget")),
        }, description: "Requests refused by a key's or team's limit, by the limit");
        _requests = _meter.CreateCounter<long>("llm_proxy.requests", description: "Proxied requests, by how they ended");
        _duration = _meter.CreateHistogram("llm_proxy.request.duration", "s", "From arrival to the answer's last byte",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _timeToFirstToken = _meter.CreateHistogram("llm_proxy.time_to_first_token", "s", "Streamed answers: from arrival to the first byte of the stream",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _overhead = _meter.CreateHistogram("llm_proxy.overhead", "s", "The proxy's own time in a request: its duration less the wait for the provider",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OverheadBuckets });
        _tokens = _meter.CreateCounter<long>("llm_proxy.tokens", description: "Tokens, by bucket, as providers reported them (or as estimated)");
        _cost = _meter.CreateCounter<double>("llm_proxy.cost_usd", description: "Cost in USD at the deployments' prices");
        _attempts = _meter.CreateCounter<long>("llm_proxy.upstream.attempts", description: "Requests sent to providers, by how they ended");
        _retries = _meter.CreateCounter<long>("llm_proxy.retries", description: "Attempts repeated on the same deployment, by the failure before");
        _fallbacks = _meter.CreateCounter<long>("llm_proxy.fallbacks", description: "Attempts moved to the next deployment, by the failure before");
        _hedges = _meter.CreateCounter<long>("llm_proxy.hedges", description: "Second attempts started beside a slow first");
        _httpRequests = _meter.CreateCounter<long>("llm_proxy.http.requests", description: "Every request the proxy answered, by route pattern");
        (_requestsRun, _httpRequestsRun, _attemptsRun, _costRun) = (new(_requests), new(_httpRequests), new(_attempts), new(_cost));
        _tokensRuns = [.. TokenBuckets.Select(_ => new RunningSum<long>(_tokens))];
        _meter.CreateObservableGauge("llm_proxy.deployment.state", DeploymentStates,
            description: "1 for each deployment's state (healthy, cooling_down, half_open), 0 for the others");
        _meter.CreateObservableGauge("llm_proxy.deployment.in_flight", DeploymentsInFlight, description: "Requests in flight on each deployment");
        // Up-down counters, as OpenTelemetry's http.server.active_requests is: Prometheus shows them as gauges.
        _meter.CreateObservableUpDownCounter("llm_proxy.requests.in_flight", () => Volatile.Read(ref _inFlight),
            description: "Proxied requests admitted and not yet answered whole, streams included");
        _meter.CreateObservableUpDownCounter("llm_proxy.streams.open", () => Volatile.Read(ref _openStreams), description: "Streamed answers in progress");
        if (ledger is not null)
        {
            _meter.CreateObservableCounter("llm_proxy.usage_records_dropped", () => ledger.Dropped + ledger.Lost,
                description: "Usage ledger records dropped (queue full) or lost (the store refused them)");
        }
    }

    /// <summary>This instance's meter (one per proxy; a process may hold several, as the tests do).</summary>
    public Meter Meter => _meter;

    /// <summary>
    /// Records one observation into the instruments: called by the <see cref="RequestObserver"/>'s thread only, a batch
    /// at a time, so a request pays for a queued struct and not for OpenTelemetry's tag lookups; counters sum runs of
    /// the same series (<see cref="RunningSum{T}"/>) until <see cref="Flush"/>.
    /// </summary>
    public void Apply(in Observation observation)
    {
        switch (observation.Kind)
        {
            case ObservationKind.Answered:
                _httpRequestsRun.Add(1, new TagList
                {
                    { "route", observation.Route }, { "method", observation.Method }, { "status_class", StatusClass(observation.Status) },
                });
                if (observation.Record is { } proxied)
                {
                    Record(proxied);
                }
                break;
            case ObservationKind.Used:
                Record(observation.Record!);
                break;
        }
        if (observation.Attempt is { } attempt)
        {
            var deployment = attempt.Deployment;
            _attemptsRun.Add(1, new TagList
            {
                { "alias", attempt.Alias }, { "provider", deployment.Provider.Config.Name }, { "deployment", deployment.Label },
                { "outcome", attempt.Outcome },
            });
        }
    }

    /// <summary>Ends a batch of <see cref="Apply"/>: the counters' running sums go to the instruments, for the next scrape.</summary>
    public void Flush()
    {
        _requestsRun.Flush();
        _httpRequestsRun.Flush();
        _attemptsRun.Flush();
        foreach (var run in _tokensRuns)
        {
            run.Flush();
        }
        _costRun.Flush();
    }

    private void Record(UsageRecord record)
    {
        // The configured alias object itself: a model name a client made up must not become a label value.
        var alias = _catalog.LabelOf(record.Model, out var wildcard) ?? "unknown";
        // A model a wildcard matched is the client's name: its deployments are labelled "*".
        var deploymentModel = record.DeploymentModel is null ? "none" : wildcard ? ModelConfig.AnyModel : record.DeploymentModel;
        _requestsRun.Add(1, new TagList
        {
            { "route", record.Dialect }, { "alias", alias }, { "provider", record.Provider ?? "none" }, { "deployment", deploymentModel },
            { "status_class", StatusClass(record.Status) },
        });
        var timing = new TagList { { "route", record.Dialect }, { "alias", alias } };
        _duration.Record(record.LatencyMs / 1000, timing);
        _overhead.Record(record.OverheadMs / 1000, timing);
        // A non-streamed answer's first byte is its whole answer: its duration says it, and it would blur the streams'.
        if (record.Stream && record.TimeToFirstTokenMs is { } firstToken)
        {
            _timeToFirstToken.Record(firstToken / 1000, timing);
        }
        var tokens = record.Tokens;
        AddTokens(0, alias, tokens.InputTokens);
        AddTokens(1, alias, tokens.CachedInputTokens);
        AddTokens(2, alias, tokens.CacheWriteTokens);
        AddTokens(3, alias, tokens.OutputTokens);
        AddTokens(4, alias, tokens.ReasoningTokens);
        if (record.CostPicoUsd > 0)
        {
            var usd = record.CostPicoUsd / (double)PicoUsd.PerUsd;
            if (_keyLabels)
            {
                _costRun.Add(usd, new TagList { { "alias", alias }, { "key", record.KeyName }, { "team", record.TeamId ?? "none" } });
            }
            else
            {
                _costRun.Add(usd, new TagList { { "alias", alias } });
            }
        }
    }

    /// <summary>A request admitted to its deployments (a stream when <paramref name="stream"/>); pair with <see cref="Served"/>.</summary>
    public void Serving(bool stream)
    {
        Interlocked.Increment(ref _inFlight);
        if (stream)
        {
            Interlocked.Increment(ref _openStreams);
        }
    }

    /// <summary>The request <see cref="Serving"/> counted has ended, however.</summary>
    public void Served(bool stream)
    {
        Interlocked.Decrement(ref _inFlight);
        if (stream)
        {
            Interlocked.Decrement(ref _openStreams);
        }
    }

    public void Retry(string alias, string reason) =>
        _retries.Add(1, new KeyValuePair<string, object?>("alias", alias), new KeyValuePair<string, object?>("reason", reason));

    public void Fallback(string alias, string reason) =>
        _fallbacks.Add(1, new KeyValuePair<string, object?>("alias", alias), new KeyValuePair<string, object?>("reason", reason));

    public void Hedge(string alias) => _hedges.Add(1, new KeyValuePair<string, object?>("alias", alias));

    public void Dispose() => _meter.Dispose();

    private static readonly (HealthState State, string Name)[] States =
        [(HealthState.Healthy, "healthy"), (HealthState.CoolingDown, "cooling_down"), (HealthState.HalfOpen, "half_open")];

    private IEnumerable<Measurement<int>> DeploymentStates()
    {
        foreach (var route in _catalog.Routes)
        {
            foreach (var deployment in route.Deployments)
            {
                var (current, _) = deployment.Health.Snapshot();
                foreach (var (state, name) in States)
                {
                    yield return new Measurement<int>(state == current ? 1 : 0, DeploymentTags(route, deployment, name));
                }
            }
        }
    }

    private IEnumerable<Measurement<long>> DeploymentsInFlight()
    {
        foreach (var route in _catalog.Routes)
        {
            foreach (var deployment in route.Deployments)
            {
                yield return new Measurement<long>(deployment.Health.InFlight, DeploymentTags(route, deployment, null));
            }
        }
    }

    private static TagList DeploymentTags(ModelRoute route, Deployment deployment, string? state)
    {
        var tags = new TagList { { "alias", route.Alias }, { "provider", deployment.Provider.Config.Name }, { "deployment", deployment.ProviderModel } };
        if (state is not null)
        {
            tags.Add("state", state);
        }
        return tags;
    }

    // Nothing for an empty bucket: most requests have no cache writes or reasoning.
    private void AddTokens(int bucket, string alias, long count)
    {
        if (count > 0)
        {
            _tokensRuns[bucket].Add(count, new TagList { { "alias", alias }, { "bucket", TokenBuckets[bucket] } });
        }
    }

    private static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };
}
