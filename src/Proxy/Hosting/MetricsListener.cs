using LlmProxy.Admin;
using LlmProxy.Canonical;
using LlmProxy.Inbound;

namespace LlmProxy.Hosting;

/// <summary>
/// <c>server.metricsUrls</c>: the listener Prometheus scrapes serves <c>GET /metrics</c> and nothing else, and the main
/// listener no longer serves it (both 404 <c>unknown_route</c>). Requests are told apart by the local port they arrived
/// on, as OpenTelemetry's Prometheus exporter documents for a separate scrape port.
/// </summary>
internal static class MetricsListener
{
    public static RequestDelegate Separate(RequestDelegate next, IReadOnlyList<int> metricsPorts, ErrorResponder errors) => context =>
    {
        var onMetricsPort = false;
        var port = context.Connection.LocalPort;
        foreach (var metricsPort in metricsPorts)
        {
            onMetricsPort |= metricsPort == port;
        }
        return onMetricsPort == context.Request.Path.StartsWithSegments(AdminGate.MetricsPath)
            ? next(context)
            : errors.WriteAsync(context, new GatewayError(404, ErrorKind.NotFound,
                $"Unknown route on this listener: {context.Request.Method} {ErrorText.Quote(context.Request.Path.Value)}", "unknown_route"));
    };
}
