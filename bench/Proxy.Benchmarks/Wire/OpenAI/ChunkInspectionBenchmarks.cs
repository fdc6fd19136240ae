using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Benchmarks.Wire.OpenAI;

/// <summary>
/// Classifying one content chunk of a pass-through stream: the proxy's inspector, against one
/// <see cref="Utf8JsonReader"/> pass over the chunk, the least any full parse costs (why the inspector exists: see
/// <see cref="OpenAIChunkInspector"/>).
/// </summary>
[MemoryDiagnoser]
public class ChunkInspectionBenchmarks
{
    [Benchmark]
    public bool Inspector() => OpenAIChunkInspector.Inspect(BenchmarkInputs.ContentChunk, out _) == OpenAIChunkKind.Choices;

    [Benchmark, BenchmarkCategory(AllocationBudgets.Reference)]
    public int ReaderPass()
    {
        var reader = new Utf8JsonReader(BenchmarkInputs.ContentChunk);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }
        return tokens;
    }
}
