using System.Net;
using System.Net.Sockets;
using System.Text;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Access;

/// <summary>
/// A proxy whose Redis is down when it starts: it starts all the same, serves, counts its rate limits itself at its
/// share (here 1/2 of rpm 10), and says so in /health.
/// </summary>
public sealed class RedisUnreachableTests
{
    [Fact]
    public async Task Start_RedisDown_ServesWithLocalLimitsAtItsShareAndHealthSaysLocal()
    {
        var closedPort = ClosedPort();
        await using var proxy = await ProxyHost.StartAsync($$"""
            {
              "redis": { "connectionString": "127.0.0.1:{{closedPort}}", "expectedInstances": 2 },
              "providers": { "m": { "type": "mock" } },
              "models": { "echo": [ { "provider": "m", "model": "echo" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test", "rpm": 10 } ]
            }
            """);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var answer = await proxy.Client.PostAsync("/v1/chat/completions",
                new StringContent("""{"model":"echo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
            statuses.Add(answer.StatusCode);
        }

        Assert.Equal(5, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(3, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
        Assert.Contains("\"redis\":\"local\"", await proxy.Client.GetStringAsync("/health"));
    }

    // A port nothing listens on: bound, noted, released.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
