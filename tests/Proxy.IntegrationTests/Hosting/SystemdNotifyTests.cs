using System.Net.Sockets;
using System.Text;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>The binary under <c>Type=notify</c>: systemd learns when it serves and when it stops (sd_notify protocol).</summary>
public sealed class SystemdNotifyTests
{
    [Fact]
    public async Task Binary_WithNotifySocket_SendsReadyThenStoppingOnSigterm()
    {
        var socketPath = Path.Combine(Path.GetTempPath(), $"llm-proxy-notify-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        try
        {
            await using var binary = await PublishedBinary.StartAsync(Path.Combine(RepositoryRoot.Path, "config", "proxy.json"),
                new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });

            Assert.Equal("READY=1", await ReceiveAsync(listener));
            Assert.Equal(0, await binary.TerminateAsync());
            Assert.Equal("STOPPING=1", await ReceiveAsync(listener));
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.UTF8.GetString(buffer, 0, received);
    }
}
