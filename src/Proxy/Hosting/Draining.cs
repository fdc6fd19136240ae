using Microsoft.Extensions.Hosting.Systemd;
using LlmProxy.Canonical;
using LlmProxy.Config;
using LlmProxy.Inbound;

namespace LlmProxy.Hosting;

/// <summary>
/// Graceful drain on SIGTERM (or any stop of the host). Kestrel stops accepting connections and the host waits for the
/// requests in flight, streams included; this middleware answers what still arrives on an open keep-alive connection,
/// <c>/health</c> included, with 503 <c>draining</c> in the client's dialect and <c>Connection: close</c>, so clients
/// and load balancers go elsewhere. <c>server.drainTimeoutMs</c> after the stop began, <see cref="Deadline"/> cuts every
/// upstream call still running, so each request ends in its client's dialect (a stream with an error event, a request
/// still waiting with 503 <c>draining</c>); <see cref="AbortGrace"/> later it aborts whatever still runs (a client that
/// does not read its error), so the ledger and the access log can write their last records before the process exits
/// (the host waits <see cref="FlushTime"/> longer than the drain for them). Under systemd it asks for that long
/// (<c>EXTEND_TIMEOUT_USEC</c>), so a drain longer than the unit's <c>TimeoutStopSec=</c> is not killed midway.
/// During the drain every request gets the 503, <c>/health/ready</c> included.
/// </summary>
internal sealed partial class Draining
{
    /// <summary>How much longer than the drain the host waits for everything else to stop (the ledger's last batches).</summary>
    public static readonly TimeSpan FlushTime = TimeSpan.FromSeconds(10);

    /// <summary>How long after <see cref="Deadline"/> requests still running are aborted: time to write their error event.</summary>
    public static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(1);

    private readonly CancellationToken _stopping;
    private readonly CancellationTokenSource _deadline = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ErrorResponder _errors;

    public Draining(IHostApplicationLifetime lifetime, ServerOptions server, ErrorResponder errors, ISystemdNotifier? systemd = null, ILogger<Draining>? logger = null)
    {
        _stopping = lifetime.ApplicationStopping;
        _errors = errors;
        if (logger is not null)
        {
            _deadline.Token.UnsafeRegister(static state => LogDeadline((ILogger)state!), logger);
        }
        _stopping.UnsafeRegister(static state =>
        {
            var (deadline, abort, drainMs, systemd, logger) = ((CancellationTokenSource, CancellationTokenSource, int, ISystemdNotifier?, ILogger?))state!;
            if (logger is not null)
            {
                LogDraining(logger, drainMs);
            }
            deadline.CancelAfter(drainMs);
            abort.CancelAfter(TimeSpan.FromMilliseconds(drainMs) + AbortGrace);
            var stopMicroseconds = (long)(TimeSpan.FromMilliseconds(drainMs) + FlushTime).TotalMicroseconds;
            systemd?.Notify(new ServiceState($"EXTEND_TIMEOUT_USEC={stopMicroseconds}"));
        }, (_deadline, _abort, server.DrainTimeoutMs, systemd, (ILogger?)logger));
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "stopping: no new connections; requests in flight have {DrainMs} ms to finish")]
    private static partial void LogDraining(ILogger logger, int drainMs);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "drain time over: provider calls still running are cut, their clients get an error in their dialect")]
    private static partial void LogDeadline(ILogger logger);

    /// <summary>Cancelled <c>server.drainTimeoutMs</c> after a stop began: upstream calls take it (<see cref="Providers.ProviderServices.Shutdown"/>).</summary>
    public CancellationToken Deadline => _deadline.Token;

    public RequestDelegate Wrap(RequestDelegate next) => context =>
    {
        if (_stopping.IsCancellationRequested)
        {
            return RefuseAsync(context);
        }
        var pending = next(context);
        // Only what is still running after its first synchronous part needs to be aborted at the deadline.
        return pending.IsCompleted ? pending : AbortAtDeadlineAsync(pending, context);
    };

    private async Task AbortAtDeadlineAsync(Task pending, HttpContext context)
    {
        using var abort = _abort.Token.UnsafeRegister(static state => ((HttpContext)state!).Abort(), context);
        await pending;
    }

    private Task RefuseAsync(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        return _errors.WriteAsync(context, new GatewayError(503, ErrorKind.Unavailable,
            "The proxy is shutting down and takes no new requests; send this one again (to another instance).", "draining"));
    }
}
