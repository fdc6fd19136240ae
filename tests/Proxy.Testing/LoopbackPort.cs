using System.Net;
using System.Net.Sockets;

namespace LlmProxy.Testing;

/// <summary>Ports for servers that must be told theirs before they start (redis-server, PostgreSQL, nginx, a second listener).</summary>
public static class LoopbackPort
{
    /// <summary>A port on 127.0.0.1 that the system handed out as free a moment ago (port 0); the caller binds it next.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
