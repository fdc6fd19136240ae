using System.Net.Sockets;
using System.Text;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>
/// The binary under <c>Type=notify</c>: systemd learns when it serves and when it stops (sd_notify protocol). The
/// tests start it from the test host, not from a process named systemd: under the unit's <c>ProtectProc=invisible</c>
/// the proxy cannot see its parent either, so nothing may depend on it.
/// </summary>
public sealed class SystemdNotifyTests
{
    private static readonly string DefaultConfig = Path.Combine(RepositoryRoot.Path, "config", "proxy.json");

    [Fact]
    public async Task Binary_WithNotifySocket_SendsReadyThenStoppingOnSigtermAndExitsZero()
    {
        using var notify = new NotifySocket(abstractName: false);
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, notify.Environment);

        Assert.Equal("READY=1", await notify.ReceiveAsync());
        Assert.Equal(0, await binary.TerminateAsync());
        // And how long the stop may take: the 30 s drain and 10 s for the last writes, past the unit's TimeoutStopSec if need be.
        Assert.Equal(["EXTEND_TIMEOUT_USEC=40000000", "STOPPING=1"], new[] { await notify.ReceiveAsync(), await notify.ReceiveAsync() }.Order());
    }

    [Fact]
    public async Task Binary_Sighup_AnnouncesTheReloadThenReadyAgain()
    {
        using var notify = new NotifySocket(abstractName: false);
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, notify.Environment);
        Assert.Equal("READY=1", await notify.ReceiveAsync());

        binary.HangUp();

        var reloading = (await notify.ReceiveAsync()).Split('\n');
        Assert.Equal("RELOADING=1", reloading[0]);
        Assert.Matches("^MONOTONIC_USEC=[1-9][0-9]*$", reloading[1]);
        Assert.Equal("READY=1", await notify.ReceiveAsync());
    }

    [Fact]
    public async Task Binary_WithWatchdog_PingsEveryHalfIntervalOnceItServes()
    {
        using var notify = new NotifySocket(abstractName: false);
        var environment = new Dictionary<string, string>(notify.Environment) { ["WATCHDOG_USEC"] = "400000" };
        var serving = System.Diagnostics.Stopwatch.StartNew(); // from before the start: it pings from READY on, whenever we read it
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, environment);

        Assert.Equal("READY=1", await notify.ReceiveAsync());
        await Task.Delay(1_000);
        Assert.Equal(0, await binary.TerminateAsync());
        var served = serving.Elapsed;
        var pings = 0;
        while (await notify.ReceiveAsync() is var message && message != "STOPPING=1")
        {
            if (!message.StartsWith("EXTEND_TIMEOUT_USEC=", StringComparison.Ordinal))
            {
                Assert.Equal("WATCHDOG=1", message);
                pings++;
            }
        }

        // A ping every 0.2 s for as long as it ran, a second or more on a loaded machine (the datagrams queue in the
        // socket, so they are counted, not timed): never faster than the half interval.
        Assert.InRange(pings, 2, (int)Math.Ceiling(served.TotalSeconds / 0.2) + 1);
    }

    [Fact]
    public async Task Binary_WithWatchdogForAnotherProcess_DoesNotPing()
    {
        using var notify = new NotifySocket(abstractName: false);
        var environment = new Dictionary<string, string>(notify.Environment) { ["WATCHDOG_USEC"] = "200000", ["WATCHDOG_PID"] = "1" };
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, environment);

        Assert.Equal("READY=1", await notify.ReceiveAsync());
        await Task.Delay(600); // three intervals
        Assert.Equal(0, await binary.TerminateAsync());
        Assert.Equal(["EXTEND_TIMEOUT_USEC=40000000", "STOPPING=1"], new[] { await notify.ReceiveAsync(), await notify.ReceiveAsync() }.Order());
    }

    [Fact]
    public async Task Binary_WithAbstractNotifySocket_SendsReady()
    {
        using var notify = new NotifySocket(abstractName: true);
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, notify.Environment);

        Assert.Equal("READY=1", await notify.ReceiveAsync());
    }

    [Fact]
    public async Task Binary_WithUnreachableNotifySocket_StillServes()
    {
        var environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.sock") };
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, environment);
        using var http = new HttpClient { BaseAddress = binary.Root };

        Assert.True((await http.GetAsync("/health")).IsSuccessStatusCode, "a service manager that cannot be told must not stop the proxy serving");
        Assert.Equal(0, await binary.TerminateAsync());
    }

    [Fact]
    public async Task Binary_WritingToJournal_LogsWithPriorityPrefixesInsteadOfTimestamps()
    {
        await using var binary = await PublishedBinary.StartAsync(DefaultConfig, new Dictionary<string, string> { ["JOURNAL_STREAM"] = "8:12345" });

        // journald reads "<6>" as the priority (info) and stamps the time itself.
        var started = Assert.Single(binary.Output, line => line.Contains("listening on", StringComparison.Ordinal));
        Assert.StartsWith("<6>", started, StringComparison.Ordinal);
    }

    private sealed class NotifySocket : IDisposable
    {
        private readonly string _name = $"llm-proxy-notify-{Guid.NewGuid():N}";
        private readonly bool _abstract;
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        // systemd spells an abstract socket's address with a leading '@'; the kernel's is a NUL byte.
        public NotifySocket(bool abstractName)
        {
            _abstract = abstractName;
            _socket.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + _name : FilePath));
        }

        public IReadOnlyDictionary<string, string> Environment =>
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = _abstract ? "@" + _name : FilePath };

        private string FilePath => Path.Combine(Path.GetTempPath(), _name + ".sock");

        public async Task<string> ReceiveAsync()
        {
            var buffer = new byte[256];
            var received = await _socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));
            return Encoding.UTF8.GetString(buffer, 0, received);
        }

        public void Dispose()
        {
            _socket.Dispose();
            if (!_abstract)
            {
                File.Delete(FilePath);
            }
        }
    }
}
