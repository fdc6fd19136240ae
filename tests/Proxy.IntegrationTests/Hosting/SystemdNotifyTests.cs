using System.Net.Sockets;
using System.Text;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>The binary under <c>Type=notify</c>: systemd learns when it serves and when it stops (sd_notify protocol).</summary>
public sealed class SystemdNotifyTests
{
    private static readonly string DefaultConfig = Path.Combine(RepositoryRoot.Path, "config", "proxy.json");

    [Fact]
    public async Task Binary_StartedBySystemd_SendsReadyThenStoppingOnSigtermAndExitsZero()
    {
        using var notify = new NotifySocket();
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, notify.Environment, underSystemd: true);

        Assert.Equal("READY=1", await notify.ReceiveAsync());
        Assert.Equal(0, await binary.TerminateAsync());
        Assert.Equal("STOPPING=1", await notify.ReceiveAsync());
    }

    [Fact]
    public async Task Binary_StartedBySystemd_LogsWithJournalPriorityPrefixes()
    {
        using var notify = new NotifySocket();
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, notify.Environment, underSystemd: true);

        // journald reads "<6>" as the priority (info) and stamps the time itself.
        var started = Assert.Single(binary.Output, line => line.Contains("listening on", StringComparison.Ordinal));
        Assert.StartsWith("<6>", started, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_NotStartedBySystemd_LeavesAnInheritedNotifySocketAlone()
    {
        using var notify = new NotifySocket();
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, notify.Environment);

        Assert.Equal(0, await binary.TerminateAsync());
        // The process has exited, so anything it sent is already queued on the socket.
        Assert.True(notify.Pending == 0, "a proxy started from a shell inside some service must not report that service's readiness");
    }

    private sealed class NotifySocket : IDisposable
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), $"llm-proxy-notify-{Guid.NewGuid():N}.sock");
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        public NotifySocket() => _socket.Bind(new UnixDomainSocketEndPoint(_path));

        public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["NOTIFY_SOCKET"] = _path };

        public int Pending => _socket.Available;

        public async Task<string> ReceiveAsync()
        {
            var buffer = new byte[256];
            var received = await _socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));
            return Encoding.UTF8.GetString(buffer, 0, received);
        }

        public void Dispose()
        {
            _socket.Dispose();
            File.Delete(_path);
        }
    }
}
