using System.Net.Sockets;
using System.Text;

namespace LlmProxy.Hosting;

/// <summary>
/// Tells systemd (<c>Type=notify</c>) when the proxy is ready and when it stops, by sending <c>READY=1</c> and
/// <c>STOPPING=1</c> to <c>$NOTIFY_SOCKET</c> (sd_notify(3)); a no-op when not started by systemd.
/// </summary>
internal static class SystemdNotifier
{
    public static void Notify(string state)
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        // A leading '@' names a socket in the abstract namespace, which the kernel spells with a NUL byte.
        if (path[0] == '@')
        {
            path = "\0" + path[1..];
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
        }
        catch (SocketException)
        {
            // Readiness is a courtesy to the service manager; the proxy serves either way.
        }
    }
}
