using System.Buffers;
using BenchmarkDotNet.Attributes;
using LlmProxy.Inbound.OpenAIChat;

namespace LlmProxy.Benchmarks.Inbound.OpenAIChat;

/// <summary>Piping a whole fast stream (103 events, ~30 KB) through the pass-through filter into the response buffer.</summary>
[MemoryDiagnoser]
public class StreamFilterBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly ReadOnlySequence<byte> _stream = new(BenchmarkInputs.FastStream);

    [Benchmark]
    public int FilterFastStream()
    {
        _output.ResetWrittenCount();
        var filter = new OpenAIChatStreamFilter(clientWantsUsage: false);
        var buffer = _stream;
        filter.Process(ref buffer, _output);
        return _output.WrittenCount;
    }
}
