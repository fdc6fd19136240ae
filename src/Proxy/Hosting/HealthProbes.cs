namespace LlmProxy.Hosting;

/// <summary>
/// The orchestrators' probes, beside <c>GET /health</c> (which keeps its body) and like it without a key
/// (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/):
/// <list type="bullet">
/// <item><c>GET /health/live</c>: 200 <c>{"status":"live"}</c> whenever the process answers at all; a probe that gets
/// nothing restarts it.</item>
/// <item><c>GET /health/ready</c>: 200 <c>{"status":"ready"}</c> from the moment the proxy has started until it begins
/// to stop; then 503 (<see cref="Draining"/> answers it, as every request, with <c>draining</c>; <c>{"status":"stopping"}</c>
/// here only if it is reached first), so a load balancer sends new requests elsewhere.</item>
/// </list>
/// </summary>
internal sealed class HealthProbes(IHostApplicationLifetime lifetime)
{
    private static readonly byte[] Live = """{"status":"live"}"""u8.ToArray();
    private static readonly byte[] Ready = """{"status":"ready"}"""u8.ToArray();
    private static readonly byte[] Stopping = """{"status":"stopping"}"""u8.ToArray();

    public static Task LiveAsync(HttpContext context) => WriteAsync(context.Response, 200, Live);

    public Task ReadyAsync(HttpContext context) =>
        lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested
            ? WriteAsync(context.Response, 200, Ready)
            : WriteAsync(context.Response, 503, Stopping);

    private static Task WriteAsync(HttpResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }
}
