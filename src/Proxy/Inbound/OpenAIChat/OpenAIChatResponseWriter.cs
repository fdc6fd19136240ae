using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>Collects canonical events into one non-stream <c>chat.completion</c> body, written when the answer completes.</summary>
internal sealed class OpenAIChatResponseWriter(HttpContext context) : IAnswerWriter
{
    private readonly ArrayBufferWriter<byte> _text = new(1024);
    private StreamStart _start;
    private FinishReason _finish = FinishReason.Stop;

    public TokenUsage? Usage { get; private set; }

    public void Start(in StreamStart start) => _start = start;

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => _text.Write(utf8Text);

    public void Finish(FinishReason reason) => _finish = reason;

    public void ReportUsage(in TokenUsage usage) => Usage = usage;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, _start.Id);
            json.WriteString("object"u8, "chat.completion"u8);
            json.WriteNumber("created"u8, _start.CreatedUnixSeconds);
            json.WriteString("model"u8, _start.Model);
            json.WriteStartArray("choices"u8);
            json.WriteStartObject();
            json.WriteNumber("index"u8, 0);
            json.WriteStartObject("message"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteString("content"u8, _text.WrittenSpan);
            json.WriteNull("refusal"u8);
            json.WriteEndObject();
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
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    // Nothing has been sent before completion, so failures are answered as plain HTTP errors by the pipeline.
    public Task FailAsync(GatewayError error, CancellationToken cancellationToken) => Task.CompletedTask;
}
