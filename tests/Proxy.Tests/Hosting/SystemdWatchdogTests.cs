using LlmProxy.Hosting;

namespace LlmProxy.Tests.Hosting;

/// <summary>Where the watchdog's self-check goes: the proxy's first plain-HTTP listener, reached over loopback.</summary>
public sealed class SystemdWatchdogTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/health/live")]
    [InlineData("http://0.0.0.0:9000", "http://127.0.0.1:9000/health/live")]
    [InlineData("http://[::]:9000", "http://[::1]:9000/health/live")]
    [InlineData("http://+:7000", "http://127.0.0.1:7000/health/live")]
    [InlineData("http://localhost:7001", "http://localhost:7001/health/live")]
    public void LiveUri_ListeningAddress_IsItsLivenessProbe(string address, string expected) =>
        Assert.Equal(expected, SystemdWatchdog.LiveUri([address])?.ToString());

    [Fact]
    public void LiveUri_HttpsBeforeHttp_TakesThePlainHttpOne() =>
        Assert.Equal("http://127.0.0.1:81/health/live", SystemdWatchdog.LiveUri(["https://127.0.0.1:443", "http://127.0.0.1:81"])?.ToString());

    [Theory]
    [InlineData("https://127.0.0.1:443")]
    [InlineData("http://unix:/run/llm-proxy.sock")]
    public void LiveUri_NoPlainHttpListener_IsNull(string address) => Assert.Null(SystemdWatchdog.LiveUri([address]));
}
