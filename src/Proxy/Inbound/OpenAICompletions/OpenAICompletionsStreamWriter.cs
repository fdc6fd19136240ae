using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAICompletions;

/// <summary>
/// Writes canonical events as legacy Completions chunks, as OpenAI streams them: one
/// <c>{"id","object":"text_completion","created","model","choices":[{"text","index":0,"logprobs":null,"finish_reason":null}]}</c>
/// per text delta, a last chunk with empty text and the finish reason, the usage chunk (empty <c>choices</c>) when asked,
/// then <c>data: [DONE]</c>; with several choices (<see cref="BeginChoice"/>) each one's chunks in turn, by its
/// <c>index</c>, and usage summed over them. The unchanging part of a chunk (the first call's id, created and model) is
/// encoded once per stream. Nothing is sent until the first text or finish, so a provider that fails before it can be
/// replaced by the next deployment.
/// </summary>
internal sealed class OpenAICompletionsStreamWriter(HttpContext context, bool includeUsage, AnswerClaim? claim) : IAnswerWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly PipeWriter _output = context.Response.BodyWriter;
    private readonly Utf8JsonWriter _json = new(Stream.Null, WriterOptions);
    private readonly StreamOpening _opening = new(context, claim);
    private byte[] _chunkPrefix = [];
    private StreamStart _start;
    private bool _started;
    private bool _finished;
    private int _choice;
    private TokenUsage? _earlierChoices;

    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => _opening.OpenedTimestamp;

    public void Start(in StreamStart start)
    {
        if (_started)
        {
            return; // a further choice's call: the stream keeps its identity
        }
        _started = true;
        _start = start;
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write("data: "u8);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            OpenAIStreamTail.WriteIdentity(json, start, ObjectType);
            json.Flush();
        }
        buffer.Write(",\"choices\":[{\"text\":"u8);
        _chunkPrefix = buffer.WrittenSpan.ToArray();
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text)
    {
        if (utf8Text.IsEmpty || !_opening.TryOpen(out _))
        {
            return;
        }
        _output.Write(_chunkPrefix);
        _json.Reset(_output);
        _json.WriteStringValue(utf8Text);
        _json.Flush();
        WriteIndex();
        _output.Write(",\"logprobs\":null,\"finish_reason\":null}]}\n\n"u8);
    }

    public void BeginChoice(int index)
    {
        Finish(FinishReason.Stop); // a choice whose provider sent no finish still ends before the next
        (_choice, _finished, _earlierChoices) = (index, false, Usage);
    }

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text)
    {
    }

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
    }

    // A completion request offers no tools, so no provider calls one.
    public void ToolCallStart(int index, string id, string name)
    {
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
    }

    public void Finish(FinishReason reason, string? stopSequence = null)
    {
        if (_finished || !_opening.TryOpen(out _))
        {
            return;
        }
        _finished = true;
        _output.Write(_chunkPrefix);
        _output.Write("\"\""u8);
        WriteIndex();
        _output.Write(",\"logprobs\":null,\"finish_reason\":\""u8);
        _output.Write(OpenAIFinishReasons.ToUtf8(reason));
        _output.Write("\"}]}\n\n"u8);
    }

    // A provider may report a call's usage more than once (Gemini's running totals): the last report of each call counts.
    public void ReportUsage(in TokenUsage usage) => Usage = Sum(_earlierChoices, usage);

    /// <summary>The usage of an answer of several calls (one per choice): their counts added.</summary>
    public static TokenUsage? Sum(TokenUsage? sum, TokenUsage? more) => sum is not { } before ? more : more is not { } after ? before
        : new(before.InputTokens + after.InputTokens, before.OutputTokens + after.OutputTokens, before.CachedInputTokens + after.CachedInputTokens,
            before.CacheWriteTokens + after.CacheWriteTokens, before.ReasoningTokens + after.ReasoningTokens);

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_opening.IsOpen)
        {
            await _output.FlushAsync(cancellationToken);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        Finish(FinishReason.Stop);
        if (!_opening.IsOpen)
        {
            return;
        }
        OpenAIStreamTail.WriteEnd(_output, _json, _start, ObjectType, includeUsage ? Usage : null);
        await _output.FlushAsync(cancellationToken);
    }

    public async Task FailAsync(GatewayError error, CancellationToken cancellationToken)
    {
        if (!_opening.IsOpen)
        {
            return;
        }
        OpenAIErrorWriter.WriteStreamEvent(_output, error);
        await _output.FlushAsync(cancellationToken);
    }

    private void WriteIndex()
    {
        _output.Write(",\"index\":"u8);
        _json.Reset(_output);
        _json.WriteNumberValue(_choice);
        _json.Flush();
    }

    /// <summary>The <c>object</c> of every completion, whole or streamed.</summary>
    public static ReadOnlySpan<byte> ObjectType => "text_completion"u8;
}
