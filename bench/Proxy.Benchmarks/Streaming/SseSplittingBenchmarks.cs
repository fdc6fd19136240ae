using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using BenchmarkDotNet.Attributes;
using LlmProxy.Streaming;

namespace LlmProxy.Benchmarks.Streaming;

/// <summary>
/// Cutting and reading a whole stream's events: the proxy's splitter and parser over the buffered sequence, against
/// the framework's <see cref="SseParser"/> over a stream of the same bytes (why the proxy keeps its own: see
/// <see cref="SseEventSplitter"/>). OpenAI's fast stream (103 <c>data:</c>-only events) and an Anthropic stream
/// (102 events, each with an <c>event:</c> line).
/// </summary>
[MemoryDiagnoser]
public class SseSplittingBenchmarks
{
    private static readonly byte[] AnthropicStream = BuildAnthropicStream(100);
    private readonly SseEventParser _parser = new();
    private readonly MemoryStream _openAI = new(BenchmarkInputs.FastStream, writable: false);
    private readonly MemoryStream _anthropic = new(AnthropicStream, writable: false);

    [Benchmark]
    public long SplitterOpenAIStream() => Split(BenchmarkInputs.FastStream);

    [Benchmark, BenchmarkCategory(AllocationBudgets.Reference)]
    public long FrameworkParserOpenAIStream() => ParseWithFramework(_openAI);

    [Benchmark]
    public long SplitterAnthropicStream() => Split(AnthropicStream);

    [Benchmark, BenchmarkCategory(AllocationBudgets.Reference)]
    public long FrameworkParserAnthropicStream() => ParseWithFramework(_anthropic);

    private long Split(byte[] stream)
    {
        var buffer = new ReadOnlySequence<byte>(stream);
        var total = 0L;
        while (SseEventSplitter.TryRead(ref buffer, out var sseEvent, out _))
        {
            var parsed = _parser.Parse(sseEvent);
            total += parsed.Data.Length + parsed.EventType.Length;
        }
        return total;
    }

    private static long ParseWithFramework(MemoryStream stream)
    {
        stream.Position = 0;
        var total = 0L;
        foreach (var item in SseParser.Create(stream, static (_, data) => data.Length).Enumerate())
        {
            total += item.Data + item.EventType.Length;
        }
        return total;
    }

    private static byte[] BuildAnthropicStream(int deltas)
    {
        var text = new StringBuilder();
        text.Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n");
        for (var i = 0; i < deltas; i++)
        {
            text.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" token\"}}\n\n");
        }
        text.Append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
