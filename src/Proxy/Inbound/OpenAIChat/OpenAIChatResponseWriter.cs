using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// Collects canonical events into one non-stream <c>chat.completion</c> body, written when the answer completes:
/// the text as <c>content</c> (null when the answer is only tool calls, as OpenAI sends it), reasoning as
/// <c>reasoning_content</c>, tool calls with their arguments joined.
/// </summary>
internal sealed class OpenAIChatResponseWriter(HttpContext context, AnswerClaim? claim) : IAnswerWriter
{
    private readonly ArrayBufferWriter<byte> _text = new(1024);
    private ArrayBufferWriter<byte>? _reasoning;
    private List<(string Id, string Name, ArrayBufferWriter<byte> Arguments)>? _toolCalls;
    private StreamStart _start;
    private FinishReason _finish = FinishReason.Stop;

    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => 0;

    public void Start(in StreamStart start) => _start = start;

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => _text.Write(utf8Text);

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text) => (_reasoning ??= new ArrayBufferWriter<byte>(1024)).Write(utf8Text);

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
    }

    public void ToolCallStart(int index, string id, string name)
    {
        _toolCalls ??= [];
        while (_toolCalls.Count <= index)
        {
            _toolCalls.Add(("", "", new ArrayBufferWriter<byte>(256)));
        }
        _toolCalls[index] = (id, name, _toolCalls[index].Arguments);
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
        if (_toolCalls is not null && index < _toolCalls.Count)
        {
            _toolCalls[index].Arguments.Write(utf8Json);
        }
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
        json.WriteString("id"u8, _start.Id);
        json.WriteString("object"u8, "chat.completion"u8);
        json.WriteNumber("created"u8, _start.CreatedUnixSeconds);
        json.WriteString("model"u8, _start.Model);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        WriteMessage(json);
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

    private void WriteMessage(Utf8JsonWriter json)
    {
        json.WriteStartObject("message"u8);
        json.WriteString("role"u8, "assistant"u8);
        if (_text.WrittenCount == 0 && _toolCalls is not null)
        {
            json.WriteNull("content"u8);
        }
        else
        {
            json.WriteString("content"u8, _text.WrittenSpan);
        }
        if (_reasoning is not null)
        {
            json.WriteString("reasoning_content"u8, _reasoning.WrittenSpan);
        }
        json.WriteNull("refusal"u8);
        if (_toolCalls is not null)
        {
            json.WriteStartArray("tool_calls"u8);
            foreach (var (id, name, arguments) in _toolCalls)
            {
                json.WriteStartObject();
                json.WriteString("id"u8, id);
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, name);
                // A call the provider gave no arguments takes an empty object, as OpenAI sends it: arguments always parse.
                json.WriteString("arguments"u8, arguments.WrittenCount == 0 ? "{}"u8 : arguments.WrittenSpan);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    // Nothing has been sent before completion, so failures are answered as plain HTTP errors by the pipeline.
    public Task FailAsync(GatewayError error, CancellationToken cancellationToken) => Task.CompletedTask;
}
