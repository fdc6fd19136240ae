using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LlmProxy.Canonical;
using LlmProxy.Observability;
using LlmProxy.Usage;

namespace LlmProxy.Benchmarks.Observability;

/// <summary>
/// What one proxied request's access log line costs the request observer's thread: formatting its JSON (time, ids, key, the
/// ledger record's tokens and exact cost) into the reused buffer the file is written from. Issue 15's budget is the
/// load harness's workload 9 (metrics and the access log on within 95 % of off); this is the line's share of it.
/// </summary>
[MemoryDiagnoser]
public class AccessLogBenchmarks : IDisposable
{
    private static readonly AccessLogEntry Proxied = new(1_764_547_200_123, "req_4f9a1c77e0b3d2aa4f9a1c77e0b3d2aa", "POST", "/v1/chat/completions", 200,
        "dev", 812.3456, new UsageRecord(0, "key_1", "dev", null, "gpt-4o-mini", "oai", "gpt-4o-mini", "chat.completions", 200, null,
            new TokenUsage(120, 30, CachedInputTokens: 20), 123_456_789, false, 812.3, 95.5, 0.123, 1, false, true));

    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly AccessLogLine _format = new();
    private readonly Utf8JsonWriter _json;

    public AccessLogBenchmarks() => _json = new Utf8JsonWriter(_line, new JsonWriterOptions { SkipValidation = true }); // as AccessLog's

    [Benchmark]
    public int FormatProxiedLine()
    {
        _line.ResetWrittenCount();
        _json.Reset();
        _format.Write(_json, Proxied);
        _json.Flush();
        return _line.WrittenCount;
    }

    public void Dispose()
    {
        _json.Dispose();
        GC.SuppressFinalize(this);
    }
}
