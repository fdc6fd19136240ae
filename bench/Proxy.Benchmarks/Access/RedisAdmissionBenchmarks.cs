using BenchmarkDotNet.Attributes;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace LlmProxy.Benchmarks.Access;

/// <summary>
/// What sharing limits through Redis adds to a request's admission (issue 17's budget: at most 100 µs at p50 over local
/// limits): one admission and its settlement of a key with rpm, tpm and parallel limits, counted in this process
/// against counted by <see cref="RedisRequestLimiter"/> on a real redis-server over loopback (started here, as the
/// tests start theirs). The settlement is sent without waiting, so the difference is the admission's round trip.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RedisAdmissionBenchmarks
{
    private readonly ClientKey _key = ClientKey.FromConfig(new KeyConfig("sk-bench", "bench", ["*"], 1_000_000_000, 1_000_000_000, 1_000_000, null,
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
        var admission = await _local.AdmitAsync(_key, new Reservation(40, 256, 0), default);
        _local.Settle(admission, 150, 0);
    }

    [Benchmark]
    public async Task SharedThroughRedis()
    {
        var admission = await _shared!.AdmitAsync(_key, new Reservation(40, 256, 0), default);
        _shared.Settle(admission, 150, 0);
    }

    /// <summary>The client's floor: a bare round trip through the same connection.</summary>
    [Benchmark]
    public Task<TimeSpan> Ping() => _connection!.GetDatabase().PingAsync();

    /// <summary>The admission's round trip alone: no settlement queued on the server ahead of the next one.</summary>
    [Benchmark]
    public async Task SharedAdmissionOnly() => await _shared!.AdmitAsync(_unbounded, new Reservation(40, 256, 0), default);

    private readonly ClientKey _unbounded = ClientKey.FromConfig(new KeyConfig("sk-bench-2", "bench-2", ["*"], 1_000_000_000, 1_000_000_000, null, null,
        BudgetPeriod.Monthly));
}
