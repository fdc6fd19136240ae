using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Observability;

/// <summary>GET /metrics after a scripted mix of requests: the exact counts a dashboard would show.</summary>
public sealed partial class MetricsTests : IAsyncLifetime
{
    // Each proxy in the test process has a meter of its own (ProxyHost); the aliases are made unique all the same.
    private readonly string _alias = "metrics-" + Guid.NewGuid().ToString("N")[..8];
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync($$"""
        {
          "providers": { "local": { "type": "mock" } },
          "models": { "{{_alias}}": [ { "provider": "local", "model": "echo", "price": { "inputPerMTok": 1, "outputPerMTok": 2 } } ] },
          "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "models": ["{{_alias}}"] } ]
        }
        """);

    public Task DisposeAsync() => _proxy.DisposeAsync().AsTask();

    [Fact]
    public async Task Metrics_AfterAMixOfRequests_CountEachExactly()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ChatAsync(_alias, "one two three four", stream: i == 2)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await ChatAsync("made-up-" + _alias, "x", stream: false)).StatusCode);

        var text = await ScrapeUntilAsync(_proxy.Client, text => Count(text, "llm_proxy_requests_total", $"alias=\"{_alias}\"") == 3
            && Count(text, "llm_proxy_requests_total", "alias=\"unknown\"", "status_class=\"4xx\"") >= 1);

        Assert.Equal(3, Value(text, "llm_proxy_requests_total", $"alias=\"{_alias}\"", "deployment=\"echo\"", "provider=\"local\"",
            "route=\"chat.completions\"", "status_class=\"2xx\""));
        Assert.Equal(3, Value(text, "llm_proxy_request_duration_seconds_count", $"alias=\"{_alias}\"", "route=\"chat.completions\""));
        // A non-streamed answer's first byte is its whole answer: only the stream has a time to first token.
        Assert.Equal(1, Value(text, "llm_proxy_time_to_first_token_seconds_count", $"alias=\"{_alias}\"", "route=\"chat.completions\""));
        Assert.Equal(3, Value(text, "llm_proxy_upstream_attempts_total", $"alias=\"{_alias}\"", "provider=\"local\"", "deployment=\"echo\"", "outcome=\"ok\""));
        Assert.Equal(3, Value(text, "llm_proxy_overhead_seconds_count", $"alias=\"{_alias}\"", "route=\"chat.completions\""));
        // The mock counts words: 4 in and 4 out per request.
        Assert.Equal(12, Value(text, "llm_proxy_tokens_total", $"alias=\"{_alias}\"", "bucket=\"input\""));
        Assert.Equal(12, Value(text, "llm_proxy_tokens_total", $"alias=\"{_alias}\"", "bucket=\"output\""));
        Assert.Equal(0.000036, Value(text, "llm_proxy_cost_usd_total", $"alias=\"{_alias}\""), 9);
        // The deployment's state, one-hot, and nothing left in flight.
        Assert.Equal(1, Value(text, "llm_proxy_deployment_state", $"alias=\"{_alias}\"", "deployment=\"echo\"", "state=\"healthy\""));
        Assert.Equal(0, Value(text, "llm_proxy_deployment_state", $"alias=\"{_alias}\"", "deployment=\"echo\"", "state=\"cooling_down\""));
        Assert.Equal(0, Value(text, "llm_proxy_deployment_in_flight", $"alias=\"{_alias}\"", "provider=\"local\""));
        // The made-up model is counted, but as 'unknown': cardinality stays bounded by the config.
        Assert.DoesNotContain("made-up-", text);
        Assert.Contains(text.Split('\n'), line => line.StartsWith("llm_proxy_requests_total{", StringComparison.Ordinal)
            && line.Contains("alias=\"unknown\"") && line.Contains("status_class=\"4xx\""));
        Assert.Contains("# TYPE llm_proxy_overhead_seconds histogram", text);
        Assert.Contains("le=\"5E-06\"", text.Replace("le=\"5e-06\"", "le=\"5E-06\""), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Metrics_RetryThenFallback_CountEachAttemptAndWhy()
    {
        await using var failing = await FakeOpenAI.StartAsync();
        failing.Override = (context, _) => FakeOpenAI.WriteErrorAsync(context, 500,
            """{"error":{"message":"The server had an error.","type":"server_error","param":null,"code":null}}""");
        var alias = "fallback-" + Guid.NewGuid().ToString("N")[..8];
        await using var proxy = await ProxyHost.StartAsync($$"""
            {
              "routing": { "retryBaseDelayMs": 1 },
              "providers": { "bad": {{ProxyHost.OpenAIProvider(failing)}}, "local": { "type": "mock" } },
              "models": { "{{alias}}": [ { "provider": "bad", "model": "gpt-4o", "retries": 1 }, { "provider": "local", "model": "echo" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
            }
            """);

        using var answer = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(
            $$"""{"model":"{{alias}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var text = await ScrapeUntilAsync(proxy.Client, text => Count(text, "llm_proxy_requests_total", $"alias=\"{alias}\"") == 1);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(2, Value(text, "llm_proxy_upstream_attempts_total", $"alias=\"{alias}\"", "provider=\"bad\"", "outcome=\"upstream_error\""));
        Assert.Equal(1, Value(text, "llm_proxy_upstream_attempts_total", $"alias=\"{alias}\"", "provider=\"local\"", "outcome=\"ok\""));
        Assert.Equal(1, Value(text, "llm_proxy_retries_total", $"alias=\"{alias}\"", "reason=\"upstream_error\""));
        Assert.Equal(1, Value(text, "llm_proxy_fallbacks_total", $"alias=\"{alias}\"", "reason=\"upstream_error\""));
    }

    [Fact]
    public async Task Metrics_HedgeAndAStreamTheClientCut_CountEachAttemptByHowItEnded()
    {
        var alias = "hedge-" + Guid.NewGuid().ToString("N")[..8];
        var cut = "cut-" + Guid.NewGuid().ToString("N")[..8];
        await using var proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "slow": { "type": "mock", "latencyMs": 5000 }, "fast": { "type": "mock" }, "paced": { "type": "mock", "tokensPerSecond": 10 } },
              "models": {
                "{{alias}}": { "hedgeAfterMs": 50, "deployments": [ { "provider": "slow", "model": "a" }, { "provider": "fast", "model": "b" } ] },
                "{{cut}}": [ { "provider": "paced", "model": "c" } ]
              },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
            }
            """);

        using var hedged = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(
            $$"""{"model":"{{alias}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{cut}}","stream":true,"messages":[{"role":"user","content":"{{string.Join(' ', Enumerable.Repeat("w", 50))}}"}]}""",
                Encoding.UTF8, "application/json"),
        })
        {
            // A client of its own, disposed with the response: the connection closes (a shared one would drain the rest to reuse it).
            using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = proxy.Root };
            client.DefaultRequestHeaders.Authorization = proxy.Client.DefaultRequestHeaders.Authorization;
            using var stream = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(1, await (await stream.Content.ReadAsStreamAsync()).ReadAsync(new byte[1])); // flowing; then the client hangs up
        }
        // The cut stream's record comes once the proxy notices the client left.
        var text = await ScrapeUntilAsync(proxy.Client, text => Count(text, "llm_proxy_requests_total", $"alias=\"{cut}\"") == 1
            && Count(text, "llm_proxy_requests_total", $"alias=\"{alias}\"") == 1);

        Assert.Equal(HttpStatusCode.OK, hedged.StatusCode);
        Assert.Equal(1, Value(text, "llm_proxy_hedges_total", $"alias=\"{alias}\""));
        Assert.Equal(1, Value(text, "llm_proxy_upstream_attempts_total", $"alias=\"{alias}\"", "provider=\"fast\"", "outcome=\"ok\""));
        Assert.Equal(1, Value(text, "llm_proxy_upstream_attempts_total", $"alias=\"{alias}\"", "provider=\"slow\"", "outcome=\"canceled\""));
        Assert.Equal(1, Value(text, "llm_proxy_requests_total", $"alias=\"{alias}\"", "provider=\"fast\"", "status_class=\"2xx\""));
        Assert.Equal(1, Value(text, "llm_proxy_upstream_attempts_total", $"alias=\"{cut}\"", "provider=\"paced\"", "outcome=\"canceled\""));
        Assert.Equal(1, Value(text, "llm_proxy_requests_total", $"alias=\"{cut}\"", "provider=\"paced\""));
    }

    [Fact]
    public async Task Metrics_BackgroundResponse_CountedOnceWhenItsRunEnds()
    {
        var alias = "bg-" + Guid.NewGuid().ToString("N")[..8];
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config(alias, """{ "type": "mock" }"""));

        using var queued = await proxy.Client.PostAsync("/v1/responses", new StringContent(
            $$"""{"model":"{{alias}}","input":"Say hello","background":true}""", Encoding.UTF8, "application/json"));
        // The POST answers at once, before the run: its record (and so its tokens) comes with the run's end.
        var text = await ScrapeUntilAsync(proxy.Client, text => Count(text, "llm_proxy_tokens_total", $"alias=\"{alias}\"", "bucket=\"output\"") > 0
            && Count(text, "llm_proxy_http_requests_total", "route=\"/v1/responses\"", "method=\"POST\"") > 0);

        Assert.Equal(HttpStatusCode.OK, queued.StatusCode);
        Assert.Equal(1, Value(text, "llm_proxy_requests_total", $"alias=\"{alias}\"", "route=\"responses\"", "status_class=\"2xx\""));
        Assert.Equal(1, Value(text, "llm_proxy_http_requests_total", "route=\"/v1/responses\"", "method=\"POST\""));
        // The run's one attempt travels with its record: counted once, with it.
        Assert.Equal(1, Value(text, "llm_proxy_upstream_attempts_total", $"alias=\"{alias}\"", "outcome=\"ok\""));
    }

    [Fact]
    public async Task Metrics_KeyOverItsRpm_CountsTheRefusalByItsLimit()
    {
        await using var proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "local": { "type": "mock" } },
              "models": { "echo": [ { "provider": "local", "model": "echo" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "rpm": 1 } ]
            }
            """);
        var body = """{"model":"echo","messages":[{"role":"user","content":"hi"}]}""";

        using var first = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        using var second = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await ScrapeUntilAsync(proxy.Client, text => Count(text, "llm_proxy_rate_limited_total", "limit=\"rpm\"") >= 1);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));
        Assert.Equal(1, Value(text, "llm_proxy_rate_limited_total", "limit=\"rpm\""));
        Assert.Equal(0, Value(text, "llm_proxy_rate_limited_total", "limit=\"tpm\""));
    }

    [Fact]
    public async Task Metrics_MasterKeyRequired_401WithoutItAnd200WithIt()
    {
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(
            """ "server": { "metricsRequireMasterKey": true }, "admin": { "masterKey": "mk-metrics-test" }, """, "mocked", """{ "type": "mock" }"""));
        using var anonymous = new HttpClient { BaseAddress = proxy.Client.BaseAddress };

        using var refused = await anonymous.GetAsync("/metrics");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "mk-metrics-test");
        using var served = await anonymous.SendAsync(request);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (refused.StatusCode, served.StatusCode));
        Assert.Contains("llm_proxy_", await served.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_OnTheirOwnListener_ServedThereOnlyAndNothingElseIs()
    {
        var port = LoopbackPort.Free();
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(
            $$""" "server": { "metricsUrls": "http://127.0.0.1:{{port}}" }, """, "mocked", """{ "type": "mock" }"""));
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using var scraped = await scraper.GetAsync("/metrics");
        using var mainMetrics = await proxy.Client.GetAsync("/metrics");
        using var apiOnMetrics = await scraper.GetAsync("/v1/models");
        using var apiOnMain = await proxy.Client.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("llm_proxy_", await scraped.Content.ReadAsStringAsync());
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.OK), (mainMetrics.StatusCode, apiOnMetrics.StatusCode, apiOnMain.StatusCode));
        Assert.Contains("unknown_route", await mainMetrics.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_AnyMethodButGetOrHead_Is405WithAllow()
    {
        using var response = await _proxy.Client.PostAsync("/metrics", new StringContent(""));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET, HEAD, OPTIONS", string.Join(", ", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task Metrics_TurnedOff_NotServed()
    {
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.ConfigWith(""" "server": { "metrics": false }, """, "mocked", """{ "type": "mock" }"""));

        using var response = await proxy.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_EveryAnsweredRequest_CountedByRoutePatternAndBoundedMethod()
    {
        await using var proxy = await ProxyHost.StartAsync(ProxyHost.Config("mocked", """{ "type": "mock" }"""));
        var path = "/made-up-" + Guid.NewGuid().ToString("N");
        using var missing = await proxy.Client.GetAsync(path);
        using var odd = await proxy.Client.SendAsync(new HttpRequestMessage(new HttpMethod("BREW"), "/health"));
        using var probe = await proxy.Client.GetAsync("/health/live");

        // Requests are recorded by the observer's thread within a gathering: scrape until the three are in.
        var text = await ScrapeUntilAsync(proxy.Client, text => text.Contains("route=\"/health/live\"") && text.Contains("route=\"unmatched\"")
            && text.Contains("method=\"other\""));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed), (missing.StatusCode, odd.StatusCode));
        Assert.DoesNotContain(path, text); // an unknown path is 'unmatched', not a label value
        Assert.DoesNotContain("BREW", text);
        Assert.Contains(text.Split('\n'), line => line.StartsWith("llm_proxy_http_requests_total{", StringComparison.Ordinal)
            && line.Contains("route=\"/health/live\"") && line.Contains("method=\"GET\"") && line.Contains("status_class=\"2xx\""));
        Assert.Contains(text.Split('\n'), line => line.StartsWith("llm_proxy_http_requests_total{", StringComparison.Ordinal)
            && line.Contains("route=\"unmatched\"") && line.Contains("status_class=\"4xx\""));
        Assert.Contains(text.Split('\n'), line => line.StartsWith("llm_proxy_http_requests_total{", StringComparison.Ordinal)
            && line.Contains("method=\"other\""));
    }

    [Fact]
    public async Task Metrics_KeyLabelsOn_CostCarriesTheKeysNameNeverItsSecret()
    {
        var alias = "keyed-" + Guid.NewGuid().ToString("N")[..8];
        await using var proxy = await ProxyHost.StartAsync($$"""
            {
              "server": { "metricsKeyLabels": true },
              "providers": { "local": { "type": "mock" } },
              "models": { "{{alias}}": [ { "provider": "local", "model": "echo", "price": { "inputPerMTok": 1, "outputPerMTok": 2 } } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "team-a-bot" } ]
            }
            """);
        using var answer = await proxy.Client.PostAsync("/v1/chat/completions", new StringContent(
            $$"""{"model":"{{alias}}","messages":[{"role":"user","content":"one two"}]}""", Encoding.UTF8, "application/json"));

        var text = await ScrapeUntilAsync(proxy.Client, text => Count(text, "llm_proxy_cost_usd_total", $"alias=\"{alias}\"") > 0);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(0.000006, Value(text, "llm_proxy_cost_usd_total", $"alias=\"{alias}\"", "key=\"team-a-bot\"", "team=\"none\""), 9);
        Assert.DoesNotContain(ProxyHost.ClientKey, text);
    }

    [Fact]
    public async Task Metrics_AskedForOpenMetrics_AnswerInItAndEndWithEof()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text; version=1.0.0"));

        using var response = await _proxy.Client.SendAsync(request);

        Assert.Equal("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("# EOF\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_Runtime_ReportMemoryAndGc()
    {
        var text = await _proxy.Client.GetStringAsync("/metrics");

        Assert.Contains("dotnet_gc_collections_total", text);
        Assert.Contains("dotnet_process_memory_working_set_bytes", text);
    }

    private Task<HttpResponseMessage> ChatAsync(string model, string text, bool stream) =>
        _proxy.Client.PostAsync("/v1/chat/completions", new StringContent(
            $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{text}}"}]}""", Encoding.UTF8, "application/json"));

    // A request's metrics are recorded just after its answer went out: scrape until they are there (or 10 s, and let the asserts say what is not).
    private static async Task<string> ScrapeUntilAsync(HttpClient client, Func<string, bool> recorded)
    {
        var text = await client.GetStringAsync("/metrics");
        for (var i = 0; i < 200 && !recorded(text); i++)
        {
            await Task.Delay(50);
            text = await client.GetStringAsync("/metrics");
        }
        return text;
    }

    // The sum of the samples of `name` whose labels include all of `labels` (0 when none).
    private static double Count(string text, string name, params string[] labels) => text.Split('\n')
        .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(line.Contains))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    // The value of the one sample of `name` whose labels include all of `labels`.
    private static double Value(string text, string name, params string[] labels)
    {
        var samples = text.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(line.Contains)).ToList();
        var sample = Assert.Single(samples);
        return double.Parse(sample[(sample.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
