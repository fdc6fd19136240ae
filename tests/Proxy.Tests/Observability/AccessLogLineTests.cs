using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Observability;
using LlmProxy.Usage;

namespace LlmProxy.Tests.Observability;

/// <summary>An access log line as an operator's log shipper parses it.</summary>
public sealed class AccessLogLineTests
{
    private static readonly long Time = DateTimeOffset.Parse("2026-12-01T01:02:03.456Z").ToUnixTimeMilliseconds();

    [Fact]
    public void Write_ProxiedRequest_HasEveryFieldExactlyButEmptyBucketsAndFalseFlags()
    {
        var usage = new UsageRecord(Time, "key_1", "dev", "team_1", "gpt-4o-mini", "oai", "gpt-4o-mini-2024-07-18", "chat.completions", 200, null,
            new TokenUsage(120, 30, CachedInputTokens: 20, CacheWriteTokens: 0, ReasoningTokens: 5), 123_456_789, false, 812.3456, 95.5, 0.1234, 2, false, true);

        var line = Format(new AccessLogEntry(Time, "req_abc", "POST", "/v1/chat/completions", 200, "dev", 812.34567, usage));

        const string Expected =
            """
            {"time":"2026-12-01T01:02:03.456Z","request_id":"req_abc","method":"POST","path":"/v1/chat/completions","status":200,"latency_ms":812.346,"key":"dev","team":"team_1","alias":"gpt-4o-mini","provider":"oai","deployment":"gpt-4o-mini-2024-07-18","dialect":"chat.completions","stream":true,"attempts":2,"input_tokens":120,"cached_input_tokens":20,"output_tokens":30,"reasoning_tokens":5,"cost_usd":0.000123456789,"ttft_ms":95.5,"overhead_ms":0.123}
            """;

        Assert.Equal(Expected, line);
    }

    [Fact]
    public void Write_EstimatedStreamTheClientLeft_HasBothFlagsAndEveryNonZeroBucket()
    {
        var usage = new UsageRecord(Time, "key_1", "dev", null, "claude", "ant", "claude-sonnet-4-5", "messages", 200, "client_disconnected",
            new TokenUsage(0, 7, CachedInputTokens: 0, CacheWriteTokens: 1500, ReasoningTokens: 0), 0, true, 40, 12, 0.05, 1, true, true);

        var line = Format(new AccessLogEntry(Time, "req_c", "POST", "/v1/messages", 200, "dev", 40, usage));

        const string Expected =
            """
            {"time":"2026-12-01T01:02:03.456Z","request_id":"req_c","method":"POST","path":"/v1/messages","status":200,"latency_ms":40,"key":"dev","alias":"claude","provider":"ant","deployment":"claude-sonnet-4-5","dialect":"messages","stream":true,"attempts":1,"error":"client_disconnected","input_tokens":0,"cache_write_tokens":1500,"output_tokens":7,"cost_usd":0,"estimated":true,"ttft_ms":12,"overhead_ms":0.05,"client_disconnected":true}
            """;

        Assert.Equal(Expected, line);
    }

    [Fact]
    public void Write_RequestThePipelineNeverSaw_HasOnlyWhatItHas()
    {
        var line = Format(new AccessLogEntry(Time, "req_x", "GET", "/nowhere", 404, null, 0.25, null));

        Assert.Equal("""{"time":"2026-12-01T01:02:03.456Z","request_id":"req_x","method":"GET","path":"/nowhere","status":404,"latency_ms":0.25}""", line);
    }

    [Fact]
    public void Write_PathWithQuotesAndControlCharacters_StaysOneValidJsonLine()
    {
        var line = Format(new AccessLogEntry(Time, "req_y", "GET", "/a\"b\n\u0001c", 404, "k\"ey", 1, null));

        Assert.DoesNotContain('\n', line);
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("/a\"b\n\u0001c", json.GetProperty("path").GetString());
        Assert.Equal("k\"ey", json.GetProperty("key").GetString());
    }

    [Fact]
    public void Write_LinesAcrossSeconds_EachHasItsOwnTime()
    {
        var format = new AccessLogLine();

        var times = new[] { Time, Time + 1, Time + 544, Time + 545, Time - 86_400_000 }
            .Select(time => JsonDocument.Parse(Format(format, new AccessLogEntry(time, "r", "GET", "/", 200, null, 0, null))).RootElement.GetProperty("time").GetString());

        Assert.Equal(["2026-12-01T01:02:03.456Z", "2026-12-01T01:02:03.457Z", "2026-12-01T01:02:04.000Z", "2026-12-01T01:02:04.001Z", "2026-11-30T01:02:03.456Z"], times);
    }

    [Theory]
    [InlineData(0.0004, "0")]
    [InlineData(0.0005, "0")]
    [InlineData(0.0015, "0.002")]
    [InlineData(12, "12")]
    [InlineData(12.3, "12.3")]
    [InlineData(1234567.891, "1234567.891")]
    [InlineData(double.NaN, "0")]
    public void Write_Latency_IsExactMillisecondsToTheMicrosecond(double latencyMs, string expected)
    {
        var line = Format(new AccessLogEntry(Time, "r", "GET", "/", 200, null, latencyMs, null));

        Assert.EndsWith($"\"latency_ms\":{expected}}}", line);
    }

    private static string Format(AccessLogEntry entry) => Format(new AccessLogLine(), entry);

    private static string Format(AccessLogLine format, AccessLogEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            format.Write(json, entry);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
