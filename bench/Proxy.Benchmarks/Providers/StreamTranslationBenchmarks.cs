using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using LlmProxy.Canonical;
using LlmProxy.Inbound.Anthropic;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Streaming;

namespace LlmProxy.Benchmarks.Providers;

/// <summary>
/// One provider stream event translated into the other dialect's stream, as the proxy does per token: cut the
/// event, parse it, push it through the canonical sink, write the client's event, flush. The streams are opened in
/// setup (message start, text block), so each operation is one steady-state text delta.
/// </summary>
[MemoryDiagnoser]
public class StreamTranslationBenchmarks
{
    private static readonly byte[] AnthropicDelta =
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" quick brown\"}}\n\n"u8.ToArray();
    private static readonly byte[] OpenAIChunk =
        "data: {\"id\":\"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_fc9f1d7035\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" quick brown\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"u8.ToArray();

    private readonly SseEventParser _parser = new();
    private AnthropicAnswerTranslator _fromAnthropic = null!;
    private OpenAIChatStreamWriter _toOpenAI = null!;
    private OpenAIAnswerTranslator _fromOpenAI = null!;
    private AnthropicMessagesStreamWriter _toAnthropic = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fromAnthropic = new AnthropicAnswerTranslator(null, 1741570283);
        _toOpenAI = new OpenAIChatStreamWriter(BenchmarkStream.DiscardingContext(), includeUsage: true, claim: null);
        Feed("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"u8.ToArray(), _fromAnthropic, _toOpenAI);
        Feed("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"u8.ToArray(), _fromAnthropic, _toOpenAI);

        _fromOpenAI = new OpenAIAnswerTranslator(1741570283);
        _toAnthropic = new AnthropicMessagesStreamWriter(BenchmarkStream.DiscardingContext(), claim: null);
        Feed(OpenAIChunk, _fromOpenAI, _toAnthropic);
    }

    [Benchmark]
    public bool AnthropicDeltaToOpenAIChunk() => Feed(AnthropicDelta, _fromAnthropic, _toOpenAI);

    [Benchmark]
    public bool OpenAIChunkToAnthropicDelta() => Feed(OpenAIChunk, _fromOpenAI, _toAnthropic);

    private bool Feed(byte[] bytes, SseAnswerTranslator translator, IStreamEventSink sink) => BenchmarkStream.Feed(_parser, bytes, translator, sink);

}
