using BenchmarkDotNet.Attributes;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace LlmProxy.Benchmarks.Access;

/// <summary>
/// What sharing limits through Redis adds to a request's admission (issue 17's budget: at most 100 µs at p50 over local
/// limits): one admission and its settlement of a key with rpm, tpm, parallel and budget limits, counted in this process
/// against counted by <see cref="RedisRequestLimiter"/> on a real redis-server over loopback (started here, as the
/// tests start theirs), and a bare PING through the same connection for the client's floor. The settlement is sent
/// without waiting, but in this closed loop of one client the server runs it before the next admission, so the figure
/// is an admission and a settlement's worth of Redis time. (An admission alone, never settled, would pile its
/// leases into the subject's set: no real request does that.) The admission's own latency, as percentiles, is
/// <see cref="AdmissionLatency"/>'s.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RedisAdmissionBenchmarks
{
    private readonly ClientKey _key = ClientKey.FromConfig(new KeyConfig("sk-bench", "bench", ["*"], 1_000_000_000, 1_000_000_000, 1_000_000, 1_000_000m,
        BudgetPeriod.Monthly));

    private readonly LocalRequestLimiter _local = new(TimeProvider.System);
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;
    private RedisRequestLimiter? _shared;

    [GlobalSetup]
    public void Start()
    {
        _server = RedisServer.Start();
        _connection = ConnectionMultiplexer.Connect(_server.ConnectionString);
        _shared = new RedisRequestLimiter(_connection, new RedisOptions(_server.ConnectionString, 1, "bench:"), TimeProvider.System,
            NullLogger<RedisRequestLimiter>.Instance);
    }

    [GlobalCleanup]
    public void Stop()
    {
        _connection?.Dispose();
        _server?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task Local()
    {
        var admission = await _local.AdmitAsync(_key, new Reservation(40, 256, 160_000_000), default);
        _local.Settle(admission, 150, 120_000_000);
    }

    [Benchmark]
    public async Task SharedThroughRedis()
    {
        var admission = await _shared!.AdmitAsync(_key, new Reservation(40, 256, 160_000_000), default);
        _shared.Settle(admission, 150, 120_000_000);
    }

    /// <summary>The client's floor: a bare round trip through the same connection.</summary>
    [Benchmark]
    public Task<TimeSpan> Ping() => _connection!.GetDatabase().PingAsync();
}
