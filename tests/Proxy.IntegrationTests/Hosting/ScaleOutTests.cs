using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.IntegrationTests.Access;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Hosting;

/// <summary>
/// The shipped binary scaled out as the README's recipe runs it: three instances on one PostgreSQL and one Redis,
/// behind nginx (round robin). A key's rate limit holds for the three together, and killing Redis and crashing
/// PostgreSQL mid-run fails no request and loses no usage record.
/// </summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private const string LimitedKey = "sk-test-rpm60";
    private const string BusyKey = "sk-test-busy";

    private readonly PostgresServer _postgres = PostgresServer.Start();
    private readonly RedisServer _redis = RedisServer.Start();
    private readonly List<PublishedBinary> _instances = [];
    private string _connectionString = null!;
    private NginxServer _nginx = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _connectionString = _postgres.CreateSchema();
        var config = Path.Combine(Directory.CreateTempSubdirectory("llm-proxy-scaleout-").FullName, "proxy.json");
        // The busy key has every rate limit, far above what the test reaches, so that each admission goes through Redis.
        await File.WriteAllTextAsync(config, $$"""
            {
              "storage": { "type": "postgres", "connectionString": "{{_connectionString}};Timeout=3" },
              "redis": { "connectionString": "{{_redis.ConnectionString}}", "expectedInstances": 3 },
              "providers": { "m": { "type": "mock" } },
              "models": { "echo": [ { "provider": "m", "model": "echo" } ] },
              "keys": [
                { "key": "{{LimitedKey}}", "name": "rpm60", "rpm": 60 },
                { "key": "{{BusyKey}}", "name": "busy", "rpm": 1000000000, "tpm": 1000000000, "maxParallel": 100000 }
              ]
            }
            """);
        for (var i = 0; i < 3; i++)
        {
            _instances.Add(await PublishedBinary.StartAsync(config));
        }
        Directory.Delete(Path.GetDirectoryName(config)!, recursive: true);
        _nginx = await NginxServer.StartAsync(_instances.Select(instance => instance.Root));
        _client = new HttpClient { BaseAddress = _nginx.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        _nginx?.Dispose();
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
        _redis.Dispose();
        _postgres.Dispose();
    }

    [Fact]
    public async Task Rpm60Key_HammeredThroughNginxOverThreeInstances_HeldOnceForAll() =>
        await SharedRateLimit.AssertRpm60HeldOnceAsync(180, _ => ChatAsync(LimitedKey));

    [Fact]
    public async Task ThreeInstances_RedisKilledThenPostgresCrashedMidRun_EveryRequestServedAndEachIsOneUsageRow()
    {
        var statuses = new List<HttpStatusCode>();
        await SendAsync(statuses, 150);
        _redis.Stop();
        await SendAsync(statuses, 150);
        _redis.Restart();
        await SendAsync(statuses, 150);
        _postgres.Stop();
        await SendAsync(statuses, 150);
        _postgres.Restart();
        await SendAsync(statuses, 150);

        Assert.Equal(750, statuses.Count(status => status == HttpStatusCode.OK));
        long Rows() => (long)_postgres.Execute("SELECT count(*) FROM usage WHERE key_name = 'busy'", _connectionString)!;
        await Eventually.HoldsAsync(() => Rows() >= 750, TimeSpan.FromSeconds(30));
        Assert.Equal(750L, Rows());
        foreach (var instance in _instances)
        {
            using var health = new HttpClient { BaseAddress = instance.Root };
            var usage = JsonDocument.Parse(await health.GetStringAsync("/health")).RootElement.GetProperty("usage");
            Assert.Equal((0, 0), (usage.GetProperty("dropped").GetInt64(), usage.GetProperty("lost").GetInt64()));
        }
    }

    // Eight at a time, as a small pool of clients would.
    private async Task SendAsync(List<HttpStatusCode> statuses, int count)
    {
        for (var sent = 0; sent < count; sent += 8)
        {
            foreach (var answer in await Task.WhenAll(Enumerable.Range(0, Math.Min(8, count - sent)).Select(_ => ChatAsync(BusyKey))))
            {
                statuses.Add(answer.StatusCode);
                answer.Dispose();
            }
        }
    }

    private Task<HttpResponseMessage> ChatAsync(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"echo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key);
        return _client.SendAsync(request);
    }
}
