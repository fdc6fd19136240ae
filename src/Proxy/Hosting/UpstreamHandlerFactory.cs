using System.Net;
using System.Net.Sockets;
using LlmProxy.Providers;

namespace LlmProxy.Hosting;

/// <summary>
/// The one upstream connection pool. Connections are recycled every few minutes so DNS changes of provider
/// endpoints are picked up, responses are never decompressed (bytes pass through as sent), and each request's
/// deployment sets its own connect timeout.
/// </summary>
internal static class UpstreamHandlerFactory
{
    public static HttpMessageInvoker Create() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        AllowAutoRedirect = false,
        EnableMultipleHttp2Connections = true,
        ConnectCallback = ConnectAsync,
    }, disposeHandler: true);

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
