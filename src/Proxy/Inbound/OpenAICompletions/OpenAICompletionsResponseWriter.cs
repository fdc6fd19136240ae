using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAICompletions;

/// <summary>
/// Collects canonical events into one legacy <c>text_completion</c> body, written when the answer completes:
/// <c>{"id","object":"text_completion","created","model","choices":[{"text","index":0,"logprobs":null,"finish_reason"}],"usage"}</c>,
/// a choice per call when the request has several (<see cref="BeginChoice"/>), usage summed over them, the first call's
/// id and model. A completion has only text: reasoning is left out.
/// </summary>
internal sealed class OpenAICompletionsResponseWriter(HttpContext context, AnswerClaim? claim) : IAnswerWriter
{
    private readonly List<(ArrayBufferWriter<byte> Text, FinishReason Finish)> _choices = [(new ArrayBufferWriter<byte>(1024), FinishReason.Stop)];
    private StreamStart? _start;
    private TokenUsage? _earlierChoices;

    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => 0;

    public void Start(in StreamStart start) => _start ??= start;

    public void BeginChoice(int index)
    {
        _choices.Add((new ArrayBufferWriter<byte>(1024), FinishReason.Stop));
        _earlierChoices = Usage;
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => _choices[^1].Text.Write(utf8Text);

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

    public void Finish(FinishReason reason, string? stopSequence = null) => _choices[^1] = (_choices[^1].Text, reason);

    // The last report of each call counts (a provider may send running totals); the calls' are added.
    public void ReportUsage(in TokenUsage usage) => Usage = OpenAICompletionsStreamWriter.Sum(_earlierChoices, usage);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    // Claimed only now: another attempt may answer while this one collects.
    public Task CompleteAsync(CancellationToken cancellationToken) => claim is { } ticket && !ticket.TryClaim()
        ? Task.CompletedTask
        : JsonAnswer.WriteAsync(context.Response, this, static (json, self) => self.WriteBody(json), cancellationToken);

    private void WriteBody(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        OpenAIStreamTail.WriteIdentity(json, _start.GetValueOrDefault(), OpenAICompletionsStreamWriter.ObjectType);
        json.WriteStartArray("choices"u8);
        for (var index = 0; index < _choices.Count; index++)
        {
            json.WriteStartObject();
            json.WriteString("text"u8, _choices[index].Text.WrittenSpan);
            json.WriteNumber("index"u8, index);
            json.WriteNull("logprobs"u8);
            json.WriteString("finish_reason"u8, OpenAIFinishReasons.ToUtf8(_choices[index].Finish));
            json.WriteEndObject();
        }
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
