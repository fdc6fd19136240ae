using BenchmarkDotNet.Attributes;
using LlmProxy.Access;
using LlmProxy.Config;

namespace LlmProxy.Benchmarks.Access;

/// <summary>Looking up a client key among 1,000 (SHA-256, dictionary, constant-time compare).</summary>
[MemoryDiagnoser]
public class ClientKeyStoreBenchmarks
{
    private readonly ClientKeyStore _store = new(Enumerable.Range(0, 1000).Select(i => new KeyConfig($"sk-proj-{i:D6}-abcdefghijklmnopqrstuvwxyz", $"k{i}", ["*"], null, null, null, null)));

    [Benchmark]
    public bool FindKnownKey() => _store.Find("sk-proj-000500-abcdefghijklmnopqrstuvwxyz") is not null;

    [Benchmark]
    public bool RejectUnknownKey() => _store.Find("sk-proj-999999-abcdefghijklmnopqrstuvwxyz") is null;
}
