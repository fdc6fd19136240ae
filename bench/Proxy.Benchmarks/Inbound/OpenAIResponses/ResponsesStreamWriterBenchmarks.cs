using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIResponses;
using LlmProxy.Providers;
using LlmProxy.Providers.Anthropic;
using LlmProxy.Providers.OpenAI;
using LlmProxy.Storage;
using LlmProxy.Streaming;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmProxy.Benchmarks.Inbound.OpenAIResponses;

/// <summary>
/// Provider stream events translated into Responses API events, as the proxy does per token for a Responses client: cut
/// the event, parse it, push it through the canonical sink, write <c>response.output_text.delta</c> (keeping the text
/// for the item's done events and the final Response), flush. Each iteration is one stream, opened in setup and
/// completed in cleanup (giving its pooled text back), so an operation is one steady-state delta of a warm server; the
/// whole-stream benchmark prices what a stream costs once (ids, the writer, the final Response).
/// </summary>
[MemoryDiagnoser]
public class ResponsesStreamWriterBenchmarks
{
    private const int DeltasPerIteration = 4096;

    private static readonly byte[] AnthropicStart =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"u8.ToArray();
    private static readonly byte[] AnthropicBlock =
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"u8.ToArray();
    private static readonly byte[] AnthropicDelta =
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" quick brown\"}}\n\n"u8.ToArray();
    private static readonly byte[][] AnthropicEnd =
    [
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"u8.ToArray(),
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":40}}\n\n"u8.ToArray(),
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"u8.ToArray(),
    ];
    private static readonly byte[] OpenAIChunk =
        "data: {\"id\":\"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_fc9f1d7035\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" quick brown\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"u8.ToArray();

    private readonly SseEventParser _parser = new();
    private readonly ReasoningSeal _seal = new(RandomNumberGenerator.GetBytes(32));
    private ResponsesStore _store = null!;
    private string _folder = "";
    private SqliteDatabase? _sqlite;
    private AnthropicAnswerTranslator _fromAnthropic = null!;
    private OpenAIAnswerTranslator _fromOpenAI = null!;
    private ResponsesStreamWriter _fromAnthropicWriter = null!;
    private ResponsesStreamWriter _fromOpenAIWriter = null!;

    [GlobalSetup]
    public void GlobalSetup()
    {
        // Nothing is stored (store: false); the store is there because the writer is built with one.
        _folder = Directory.CreateTempSubdirectory("responses-bench-").FullName;
        _sqlite = SqliteDatabase.Open(Path.Combine(_folder, "bench.db"));
        _store = new ResponsesStore(new SqlResponseStore(_sqlite, TimeProvider.System), TimeProvider.System, 30, RandomNumberGenerator.GetBytes(32), NullLogger<ResponsesStore>.Instance);
    }

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _sqlite?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [IterationSetup]
    public void OpenStreams()
    {
        _fromAnthropic = new AnthropicAnswerTranslator(null, 1741570283);
        _fromAnthropicWriter = Writer();
        Feed(AnthropicStart, _fromAnthropic, _fromAnthropicWriter);
        Feed(AnthropicBlock, _fromAnthropic, _fromAnthropicWriter);
        Feed(AnthropicDelta, _fromAnthropic, _fromAnthropicWriter);
        _fromOpenAI = new OpenAIAnswerTranslator(1741570283);
        _fromOpenAIWriter = Writer();
        Feed(OpenAIChunk, _fromOpenAI, _fromOpenAIWriter);
    }

    [IterationCleanup]
    public void CompleteStreams()
    {
        _fromAnthropicWriter.CompleteAsync(CancellationToken.None).GetAwaiter().GetResult();
        _fromOpenAIWriter.CompleteAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [Benchmark]
    [InvocationCount(DeltasPerIteration)]
    public bool AnthropicDeltaToResponsesEvent() => Feed(AnthropicDelta, _fromAnthropic, _fromAnthropicWriter);

    [Benchmark]
    [InvocationCount(DeltasPerIteration)]
    public bool OpenAIChunkToResponsesEvent() => Feed(OpenAIChunk, _fromOpenAI, _fromOpenAIWriter);

    /// <summary>A whole 40-delta Anthropic stream into Responses events, completed: the per-stream price.</summary>
    [Benchmark]
    [InvocationCount(DeltasPerIteration)]
    public bool WholeAnthropicStreamToResponses()
    {
        var translator = new AnthropicAnswerTranslator(null, 1741570283);
        var writer = Writer();
        Feed(AnthropicStart, translator, writer);
        Feed(AnthropicBlock, translator, writer);
        for (var i = 0; i < 40; i++)
        {
            Feed(AnthropicDelta, translator, writer);
        }
        foreach (var end in AnthropicEnd)
        {
            Feed(end, translator, writer);
        }
        writer.CompleteAsync(CancellationToken.None).GetAwaiter().GetResult();
        return translator.Finished;
    }

    private ResponsesStreamWriter Writer()
    {
        return new ResponsesStreamWriter(BenchmarkStream.DiscardingContext(), new ResponsesExchange("bench", 1741570283) { Model = "claude", Store = false }, _store, _seal, claim: null);
    }

    private bool Feed(byte[] bytes, SseAnswerTranslator translator, IStreamEventSink sink) => BenchmarkStream.Feed(_parser, bytes, translator, sink);
}
