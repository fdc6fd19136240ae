using BenchmarkDotNet.Attributes;
using LlmProxy.Streaming;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Benchmarks.Wire.OpenAI;

/// <summary>Reading usage: from a stream's usage chunk, past a content chunk, and on the side of a non-stream body.</summary>
[MemoryDiagnoser]
public class UsageExtractionBenchmarks
{
    private static readonly byte[] UsageName = "usage"u8.ToArray();

    [Benchmark]
    public long UsageChunk() => OpenAIChunkInspector.Inspect(BenchmarkInputs.UsageChunk, out var usage) == OpenAIChunkKind.NoChoices ? usage!.Value.TotalTokens : 0;

    [Benchmark]
    public bool ContentChunk() => OpenAIChunkInspector.Inspect(BenchmarkInputs.ContentChunk, out _) == OpenAIChunkKind.Choices;

    [Benchmark]
    public long NonStreamBody()
    {
        var capture = new JsonPropertyCapture(UsageName);
        capture.Feed(BenchmarkInputs.CompletionBody);
        return OpenAIUsageReader.ReadDocument(capture.Value)?.TotalTokens ?? 0;
    }
}
