using BenchmarkDotNet.Attributes;
using LlmProxy.Access;
using LlmProxy.Config;

namespace LlmProxy.Benchmarks.Access;

/// <summary>Looking up a client key among 1,000 (SHA-256 of the presented secret, then a dictionary).</summary>
[MemoryDiagnoser]
public class AccessDirectoryBenchmarks
{
    private readonly AccessDirectory _store = new(Enumerable.Range(0, 1000).Select(i => new KeyConfig($"sk-proj-{i:D6}-abcdefghijklmnopqrstuvwxyz", $"k{i}", ["*"], null, null, null, null)).ToList());

    [Benchmark]
    public bool FindKnownKey() => _store.Find("sk-proj-000500-abcdefghijklmnopqrstuvwxyz", 0) is not null;

    [Benchmark]
    public bool RejectUnknownKey() => _store.Find("sk-proj-999999-abcdefghijklmnopqrstuvwxyz", 0) is null;
}
