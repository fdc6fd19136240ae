using System.Text;
using BenchmarkDotNet.Attributes;
using LlmProxy.Access;
using LlmProxy.Config;
using LlmProxy.Inbound;

namespace LlmProxy.Benchmarks.Access;

/// <summary>
/// What limits cost one request at admission and at its end: the token estimate read from the body (load harness
/// workload 1's request), and the limiter admitting and settling a key with every limit (rpm, tpm, parallel, budget).
/// </summary>
[MemoryDiagnoser]
public class AdmissionBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"model":"bench-fast","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Write a haiku about proxies that do not buffer."}],"temperature":0.7,"max_tokens":256,"stream":false}""");

    private readonly LocalRequestLimiter _limiter = new(TimeProvider.System);

    private readonly ClientKey _key = ClientKey.FromConfig(new KeyConfig("sk-bench", "bench", ["*"], 1_000_000_000, 1_000_000_000, 1_000_000, 1_000_000m,
        BudgetPeriod.Monthly));

    [Benchmark]
    public long EstimateInput() => TokenReservation.Estimate(Body).InputTokens;

    [Benchmark]
    public void AdmitAndSettle()
    {
        var admission = _limiter.Admit(_key, new Reservation(40, 256, 1_000_000));
        _limiter.Settle(admission, 150, 500_000);
    }
}
