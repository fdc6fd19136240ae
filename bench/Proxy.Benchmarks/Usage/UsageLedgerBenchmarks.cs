using BenchmarkDotNet.Attributes;
using LlmProxy.Canonical;
using LlmProxy.Storage;
using LlmProxy.Usage;

namespace LlmProxy.Benchmarks.Usage;

/// <summary>
/// What the usage ledger's writer thread spends per record: one batch of <see cref="BatchSize"/> records (what 100 ms
/// of load harness workload 8 gathers at 2,500 requests a second) appended to a SQLite file in one transaction; the
/// figures are per record (wall time, the WAL's writes included). Issue 14's budget is workload 8 (limits and the
/// ledger on within 90 % of off), and the writer shares the proxy's core with the requests.
/// </summary>
[MemoryDiagnoser]
public class UsageLedgerBenchmarks : IDisposable
{
    /// <summary>Records a batch.</summary>
    public const int BatchSize = 250;

    private readonly string _folder = Directory.CreateTempSubdirectory("ledger-bench-").FullName;
    private readonly UsageRecord[] _batch = new UsageRecord[BatchSize];
    private SqliteDatabase? _database;
    private SqliteUsageStore? _store;

    [GlobalSetup]
    public void Open()
    {
        _database = SqliteDatabase.Open(System.IO.Path.Combine(_folder, "ledger.db"));
        _store = new SqliteUsageStore(_database);
        var time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < BatchSize; i++)
        {
            _batch[i] = new UsageRecord(time + i, "key_bench", "bench", null, "bench-fast", "fast", "gpt-4o-mini", "chat.completions", 200, null,
                new TokenUsage(18, 9), 8_100_000, false, 0.42 + i / 1000.0, null, 0.11, 1, false, false);
        }
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public Task AppendBatch()
    {
        // Later times each batch, as a running ledger's (the same times again would insert into the middle of the indexes).
        for (var i = 0; i < BatchSize; i++)
        {
            _batch[i] = _batch[i] with { Time = _batch[i].Time + BatchSize };
        }
        return _store!.AppendAsync(_batch, CancellationToken.None);
    }

    public void Dispose()
    {
        _database?.Dispose();
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
