using System.Net;
using System.Net.Sockets;
using LlmProxy.Config;
using LlmProxy.Observability;
using LlmProxy.Providers;

namespace LlmProxy.Hosting;

/// <summary>
/// The one upstream connection pool. Connections are recycled every few minutes so DNS changes of provider
/// endpoints are picked up, responses are never decompressed (bytes pass through as sent), and each request's
/// deployment sets its own connect timeout.
/// </summary>
internal static class UpstreamHandlerFactory
{
    /// <summary>
    /// The pool, behind <see cref="UpstreamTracingHandler"/> when <paramref name="telemetry"/> turns tracing on. The pool
    /// itself never writes trace headers (<c>ActivityHeadersPropagator</c> null), so whether a provider gets a
    /// <c>traceparent</c> is <c>telemetry.propagateContext</c>'s decision alone, under JIT as in the AOT binary.
    /// </summary>
    public static HttpMessageInvoker Create(TelemetryOptions? telemetry = null)
    {
        HttpMessageHandler handler = CreatePool();
        if (telemetry is not null)
        {
            handler = new UpstreamTracingHandler(handler, telemetry.PropagateContext);
        }
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static SocketsHttpHandler CreatePool() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
        EnableMultipleHttp2Connections = true,
        ConnectCallback = ConnectAsync,
        ActivityHeadersPropagator = null,
    };

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var timeoutMs = context.InitialRequestMessage.Options.TryGetValue(UpstreamCall.ConnectTimeoutOption, out var ms) ? ms : 10_000;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(timeoutMs);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, timeout.Token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connecting to {context.DnsEndPoint.Host}:{context.DnsEndPoint.Port} took longer than {timeoutMs} ms");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
