using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Streaming;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Writes canonical events as Responses API stream events (https://platform.openai.com/docs/api-reference/responses-streaming),
/// each with its <c>sequence_number</c>: <c>response.created</c> and <c>response.in_progress</c>; per output item
/// <c>response.output_item.added</c>, its part's <c>added</c>, the deltas (<c>output_text</c>,
/// <c>reasoning_summary_text</c>, <c>function_call_arguments</c>), their <c>done</c> events and
/// <c>response.output_item.done</c>; then <c>response.completed</c> or <c>response.incomplete</c> with the whole
/// Response, which is durable in the store first when the request is stored. A failure after the first byte closes the open items, then sends an
/// <c>error</c> event and <c>response.failed</c>. Nothing is sent, not even the headers, until the first content: a
/// provider that fails before it can be replaced by the next deployment. A delta costs one escape of its text into
/// the response and a copy into its item; no allocation.
/// </summary>
internal sealed partial class ResponsesStreamWriter(HttpContext context, ResponsesExchange exchange, ResponsesStore store, ReasoningSeal seal, AnswerClaim? claim)
    : IAnswerWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly PipeWriter _output = context.Response.BodyWriter;
    private readonly Utf8JsonWriter _json = new(Stream.Null, WriterOptions);
    private readonly ResponsesOutput _answer = new();
    private readonly StreamOpening _opening = new(context, claim);
    private int _sequence;
    // Per output item, what stands between a delta event's sequence number and its delta: encoded once per item, so a
    // delta costs one escape of its text.
    private byte[][] _deltaMiddles = [];

    public TokenUsage? Usage => _answer.Usage;

    public long OpenedTimestamp => _opening.OpenedTimestamp;

    public void Start(in StreamStart start)
    {
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => TextLike(OutputItemKind.Message, utf8Text);

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text) => TextLike(OutputItemKind.Reasoning, utf8Text);

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
        if (!Open())
        {
            return;
        }
        // A signature belongs to the reasoning still open; one after it closed starts an item of its own.
        var item = _answer.UnsignedReasoning() is { Done: false } open ? open : Begin(OutputItemKind.Reasoning, withPart: false);
        item.Signature = utf8Signature.ToArray();
    }

    public void ToolCallStart(int index, string id, string name)
    {
        if (!Open())
        {
            return;
        }
        EndOpenItems();
        var item = _answer.StartToolCall(index, id, name);
        ItemAdded(item);
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty || _answer.ToolCall(index) is not { } item || !Open())
        {
            return;
        }
        item.Text.Write(utf8Json);
        if (item.Done)
        {
            return; // a call the provider went back to after another began: the final Response has its whole arguments
        }
        WriteDelta("event: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\",\"sequence_number\":"u8,
            item, utf8Json, "}\n\n"u8);
    }

    public void Finish(FinishReason reason, string? stopSequence = null)
    {
        _answer.Finish = reason;
        Open();
    }

    public void ReportUsage(in TokenUsage usage) => _answer.Usage = usage;

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_opening.IsOpen)
        {
            await _output.FlushAsync(cancellationToken);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (!Open())
        {
            return;
        }
        var status = ResponseObjectWriter.Status(_answer);
        EndAll(status);
        if (!exchange.Store)
        {
            // Nothing to keep: the final Response is written straight into its event.
            BeginEvent(status == "completed" ? "response.completed"u8 : "response.incomplete"u8);
            _json.WritePropertyName("response"u8);
            ResponseObjectWriter.Write(_json, exchange, _answer, status, null, seal);
            EndEvent();
            _answer.Dispose();
            await _output.FlushAsync(cancellationToken);
            return;
        }
        var response = ResponseObjectWriter.Render(exchange, _answer, status, null, seal);
        _answer.Dispose();
        if (!await store.TrySaveAsync(exchange, status, response, CancellationToken.None))
        {
            // Not stored, so not complete as far as the client can rely on: it hears so in-band, the operator in the log.
            var error = new GatewayError(500, ErrorKind.Internal, "The response could not be stored; it was not kept.", "server_error");
            _output.Write("event: error\ndata: "u8);
            _json.Reset(_output);
            ResponsesErrorEvent.WriteMembers(_json, error, _sequence++);
            _json.Flush();
            _output.Write("\n\n"u8);
            await _output.FlushAsync(cancellationToken);
            return;
        }
        BeginEvent(status == "completed" ? "response.completed"u8 : "response.incomplete"u8);
        _json.WritePropertyName("response"u8);
        _json.WriteRawValue(response, skipInputValidation: true);
        EndEvent();
        await _output.FlushAsync(cancellationToken);
    }

    public async Task FailAsync(GatewayError error, CancellationToken cancellationToken)
    {
        if (!_opening.IsOpen)
        {
            return;
        }
        EndAll("failed");
        _output.Write("event: error\ndata: "u8);
        _json.Reset(_output);
        ResponsesErrorEvent.WriteMembers(_json, error, _sequence++);
        _json.Flush();
        _output.Write("\n\n"u8);
        var response = ResponseObjectWriter.Render(exchange, _answer, "failed", error, seal);
        _answer.Dispose();
        if (exchange.Store)
        {
            await store.SaveAsync(exchange, "failed", response, cancellationToken);
        }
        BeginEvent("response.failed"u8);
        _json.WritePropertyName("response"u8);
        _json.WriteRawValue(response, skipInputValidation: true);
        EndEvent();
        await _output.FlushAsync(cancellationToken);
    }

    /// <summary>A background run that failed before any content: its stream opens only to say so, with <c>error</c> and <c>response.failed</c>.</summary>
    public Task FailBeforeContentAsync(GatewayError error, CancellationToken cancellationToken)
    {
        Open();
        return FailAsync(error, cancellationToken);
    }

    private void TextLike(OutputItemKind kind, ReadOnlySpan<byte> utf8Text)
    {
        if (utf8Text.IsEmpty || !Open())
        {
            return;
        }
        var item = _answer.Current is { Done: false } current && current.Kind == kind && !(kind == OutputItemKind.Reasoning && current.Signature is not null)
            ? current : Begin(kind);
        item.Text.Write(utf8Text);
        if (kind == OutputItemKind.Message)
        {
            WriteDelta("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":"u8,
                item, utf8Text, ",\"logprobs\":[]}\n\n"u8);
        }
        else
        {
            WriteDelta("event: response.reasoning_summary_text.delta\ndata: {\"type\":\"response.reasoning_summary_text.delta\",\"sequence_number\":"u8,
                item, utf8Text, "}\n\n"u8);
        }
    }

    // response.created and response.in_progress go with the first thing worth sending; false when another attempt answers instead.
    private bool Open()
    {
        if (!_opening.TryOpen(out var justOpened))
        {
            return false;
        }
        if (justOpened)
        {
            // The two opening events carry the same Response: written once, into a pooled buffer both copy.
            using var opening = new PooledBuffer();
            using (var json = new Utf8JsonWriter(opening, WriterOptions))
            {
                ResponseObjectWriter.Write(json, exchange, _answer, "in_progress", null, seal);
            }
            Opening("response.created"u8, opening.WrittenSpan);
            Opening("response.in_progress"u8, opening.WrittenSpan);
        }
        return true;
    }

    private void Opening(ReadOnlySpan<byte> type, ReadOnlySpan<byte> response)
    {
        BeginEvent(type);
        _json.WritePropertyName("response"u8);
        _json.WriteRawValue(response, skipInputValidation: true);
        EndEvent();
    }

    private void ItemPosition(OutputItem item)
    {
        _json.WriteString("item_id"u8, item.Id);
        _json.WriteNumber("output_index"u8, item.OutputIndex);
    }

    // "event: TYPE\ndata: {"type":TYPE,"sequence_number":N" ... EndEvent closes the object and the event.
    private void BeginEvent(ReadOnlySpan<byte> type)
    {
        _output.Write("event: "u8);
        _output.Write(type);
        _output.Write("\ndata: "u8);
        _json.Reset(_output);
        _json.WriteStartObject();
        _json.WriteString("type"u8, type);
        _json.WriteNumber("sequence_number"u8, _sequence++);
    }

    private void EndEvent()
    {
        _json.WriteEndObject();
        _json.Flush();
        _output.Write("\n\n"u8);
    }
}
