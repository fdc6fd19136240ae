using BenchmarkDotNet.Attributes;
using LlmProxy.Inbound;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers;

namespace LlmProxy.Benchmarks.Inbound.OpenAIChat;

/// <summary>Reading a chat request (validate, find model/stream/usage) and writing it upstream with the model rewritten.</summary>
[MemoryDiagnoser]
public class EnvelopeRewriteBenchmarks
{
    private static readonly byte[] ProviderModel = "\"gpt-4o-mini-2024-07-18\""u8.ToArray();
    private readonly MemoryStream _sink = new(4096);

    [Benchmark]
    public bool ReadEnvelope() => OpenAIChatEnvelopeReader.TryRead(BenchmarkInputs.ChatRequest, out _, out _);

    [Benchmark]
    public async Task<long> ReadAndRewrite()
    {
        using var content = Rewrite();
        _sink.Position = 0;
        await content.CopyToAsync(_sink);
        return _sink.Position;
    }

    private static UpstreamJsonContent Rewrite()
    {
        OpenAIChatEnvelopeReader.TryRead(BenchmarkInputs.ChatRequest, out var envelope, out _);
        return new UpstreamJsonContent(BenchmarkInputs.ChatRequest,
            new BodySplice(envelope.ModelTokenOffset, envelope.ModelTokenLength, ProviderModel), envelope.ExtraSplice);
    }
}
