using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAICompletions;

/// <summary>
/// Collects canonical events into one legacy <c>text_completion</c> body, written when the answer completes:
/// <c>{"id","object":"text_completion","created","model","choices":[{"text","index":0,"logprobs":null,"finish_reason"}],"usage"}</c>.
/// A completion has only text: reasoning is left out.
/// </summary>
internal sealed class OpenAICompletionsResponseWriter(HttpContext context, AnswerClaim? claim) : IAnswerWriter
{
    private readonly ArrayBufferWriter<byte> _text = new(1024);
    private StreamStart _start;
    private FinishReason _finish = FinishReason.Stop;

    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => 0;

    public void Start(in StreamStart start) => _start = start;

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => _text.Write(utf8Text);

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

    public void Finish(FinishReason reason, string? stopSequence = null) => _finish = reason;

    public void ReportUsage(in TokenUsage usage) => Usage = usage;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    // Claimed only now: another attempt may answer while this one collects.
    public Task CompleteAsync(CancellationToken cancellationToken) => claim is { } ticket && !ticket.TryClaim()
        ? Task.CompletedTask
        : JsonAnswer.WriteAsync(context.Response, this, static (json, self) => self.WriteBody(json), cancellationToken);

    private void WriteBody(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        OpenAICompletionsStreamWriter.WriteIdentity(json, _start);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteString("text"u8, _text.WrittenSpan);
        json.WriteNumber("index"u8, 0);
        json.WriteNull("logprobs"u8);
        json.WriteString("finish_reason"u8, OpenAIFinishReasons.ToUtf8(_finish));
        json.WriteEndObject();
        json.WriteEndArray();
        if (Usage is { } usage)
        {
            OpenAIUsageWriter.Write(json, usage);
        }
        json.WriteEndObject();
    }

    // Nothing has been sent before completion, so failures are answered as plain HTTP errors by the pipeline.
    public Task FailAsync(GatewayError error, CancellationToken cancellationToken) => Task.CompletedTask;
}
