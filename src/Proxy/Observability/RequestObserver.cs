using System.Diagnostics;
using System.Runtime.InteropServices;
using LlmProxy.Access;
using LlmProxy.Inbound;
using LlmProxy.Routing;
using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// Where requests hand what metrics and the access log need (<see cref="Observation"/>s) and go on: a
/// <see cref="GatheringQueue{T}"/> whose thread records each batch into <see cref="ProxyMetrics"/>' instruments and
/// writes it to the <see cref="AccessLog"/>, flushed after each batch. On the request's thread that is one lock-free
/// add of a struct (and a served attempt held in the request's account, see <see cref="Attempted"/>): recording into OpenTelemetry's instruments and formatting a line there cost several times what
/// they cost in one thread's warm loop (workload 9 of the load harness, measured in place). Figures therefore reach
/// <c>/metrics</c> and lines the log within a gathering (250 ms: each wake-up of the thread cost about 50 µs of CPU on
/// the load harness's VM, so at 20 ms the wake-ups and per-batch flushes were a third of its work; a scrape every 15 s
/// does not see the difference). A full queue never makes a request wait: the
/// observation is dropped and counted (<see cref="Dropped"/>, logged once). Stopping the host writes what is queued.
/// With neither metrics nor an access log it does nothing and its middleware is not installed.
/// </summary>
internal sealed partial class RequestObserver : IHostedService
{
    private const int Capacity = 65_536;
    private const int BatchSize = 4_096;
    private static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(250);

    private readonly ProxyMetrics? _metrics;
    private readonly AccessLog? _accessLog;
    private readonly TimeProvider _time;
    private readonly ILogger<RequestObserver> _logger;
    private readonly GatheringQueue<Observation> _queue;
    private long _dropped;
    private int _failureLogged;

    /// <param name="metrics">The instruments to record into, or null when <c>server.metrics</c> is off.</param>
    /// <param name="accessLog">The access log to write, or null when none is configured.</param>
    public RequestObserver(ProxyMetrics? metrics, AccessLog? accessLog, TimeProvider time, ILogger<RequestObserver> logger)
    {
        _metrics = metrics;
        _accessLog = accessLog;
        _time = time;
        _logger = logger;
        _queue = new GatheringQueue<Observation>(Capacity, BatchSize, GatherTime, time, Write, e => LogWriterFailed(logger, e));
        metrics?.Meter.CreateObservableCounter("llm_proxy.observations_dropped", () => Dropped,
            description: "Requests whose metrics and access log line were lost: the queue was full, the proxy stopping, or recording one failed");
    }

    /// <summary>True when metrics or the access log want requests observed.</summary>
    public bool Enabled => _metrics is not null || _accessLog is not null;

    /// <summary>Observations dropped: the queue was full, the proxy was stopping, or recording one failed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// The ledger record of a request that ends with no HTTP answer (a background response's run), for its tokens, cost
    /// and timings; a request's own comes with its answer (<see cref="Middleware"/>).
    /// </summary>
    public void Used(RequestAccount account)
    {
        if (_metrics is not null && account.Record is { } record)
        {
            Add(Observation.Used(record, account.TakeHeldAttempt()));
        }
    }

    /// <summary>
    /// One upstream attempt's end: <paramref name="outcome"/> is <c>ok</c> or the failure's class. A served attempt (the
    /// usual request's only one, and the last of any) is held in its <paramref name="account"/> and travels with the
    /// request's own observation, which follows within moments, so the request hands over one struct, not two; a failed
    /// one is queued at once, so a retry or a fallback that then streams for a minute does not hold it back that long.
    /// </summary>
    public void Attempted(RequestAccount account, string alias, Deployment deployment, string outcome)
    {
        if (_metrics is null)
        {
            return;
        }
        var attempt = new AttemptEnd(alias, deployment, outcome);
        if (outcome != AttemptEnd.Ok || !account.TryHoldAttempt(attempt))
        {
            Add(Observation.Attempted(attempt));
        }
    }

    /// <summary>
    /// The middleware, outside the error handler so that its 500s are observed too: every request, when it ends. No
    /// state machine for those that end at once (health, refusals).
    /// </summary>
    public RequestDelegate Middleware(RequestDelegate next) => context =>
    {
        // Arrival and latency are the access log's: metrics take theirs from the ledger record.
        var (arrived, started) = _accessLog is null ? (0, 0) : (_time.GetUtcNow().ToUnixTimeMilliseconds(), Stopwatch.GetTimestamp());
        var pending = next(context);
        if (pending.IsCompletedSuccessfully)
        {
            Answered(context, arrived, started);
            return Task.CompletedTask;
        }
        return AnsweredAfterAsync(pending, context, arrived, started);
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            _queue.Start("observer");
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => Interlocked.Add(ref _dropped, await _queue.StopAsync(cancellationToken));

    private async Task AnsweredAfterAsync(Task pending, HttpContext context, long arrived, long started)
    {
        try
        {
            await pending;
        }
        finally
        {
            Answered(context, arrived, started);
        }
    }

    private void Answered(HttpContext context, long arrived, long started)
    {
        var request = context.Request;
        var status = context.Response.StatusCode;
        // Closed by the pipeline before the answer ended; null when not proxied, or handed to a background run.
        var account = context.Features.Get<RequestAccount>();
        var record = account?.Record;
        AccessLogEntry? entry = _accessLog is null ? null : new AccessLogEntry(arrived, context.TraceIdentifier, request.Method, request.Path.Value ?? "", status,
            context.Features.Get<ClientKey>()?.Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, record);
        Add(_metrics is null
            ? Observation.Answered("", "", status, entry, null, null)
            : Observation.Answered(RouteLabel(context), MethodLabel(request.Method), status, entry, record, account?.TakeHeldAttempt()));
    }

    private void Add(Observation observation)
    {
        if (!_queue.TryAdd(observation) && Interlocked.Increment(ref _dropped) == 1 && !_queue.Stopping)
        {
            LogDropped(_logger);
        }
    }

    private void Write(List<Observation> batch)
    {
        try
        {
            foreach (ref readonly var observation in CollectionsMarshal.AsSpan(batch))
            {
                try
                {
                    _metrics?.Apply(observation);
                    if (observation.Logged)
                    {
                        _accessLog!.Write(observation.Entry);
                    }
                }
                catch (Exception e)
                {
                    // A bug in recording one request must not stop every later request's metrics and lines.
                    Interlocked.Increment(ref _dropped);
                    if (Interlocked.Exchange(ref _failureLogged, 1) == 0)
                    {
                        LogObservationFailed(_logger, e);
                    }
                }
            }
        }
        finally
        {
            _metrics?.Flush();
            _accessLog?.Flush();
        }
    }

    // Patterns come from the route table (bounded); the fallback's catch-all pattern stands for every unknown path.
    private static string RouteLabel(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern } && !pattern.StartsWith("{*", StringComparison.Ordinal) ? pattern : "unmatched";

    // A client may send any token as its method: only the ones the proxy serves become label values.
    private static string MethodLabel(string method) =>
        HttpMethods.IsGet(method) ? "GET"
        : HttpMethods.IsPost(method) ? "POST"
        : HttpMethods.IsHead(method) ? "HEAD"
        : HttpMethods.IsDelete(method) ? "DELETE"
        : HttpMethods.IsPatch(method) ? "PATCH"
        : HttpMethods.IsOptions(method) ? "OPTIONS"
        : "other";

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "the metrics and access log queue is full: observations are being dropped (this is logged once)")]
    private static partial void LogDropped(ILogger logger);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "recording a request's metrics or access log line failed; it is dropped (this is logged once)")]
    private static partial void LogObservationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Critical, Message = "the metrics and access log writer stopped: observations queue until the queue is full, then are dropped")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception);
}
