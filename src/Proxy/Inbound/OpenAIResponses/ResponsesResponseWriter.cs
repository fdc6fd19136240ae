using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Storage;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// Collects canonical events into one Response object, written when the answer completes; when the request is stored,
/// the response is durable in the store before the client receives it.
/// </summary>
internal sealed class ResponsesResponseWriter(HttpContext context, ResponsesExchange exchange, ResponsesStore store, ReasoningSeal seal, AnswerClaim? claim)
    : IAnswerWriter
{
    private readonly ResponsesOutput _output = new();

    public TokenUsage? Usage => _output.Usage;

    public long OpenedTimestamp => 0;

    public void Start(in StreamStart start)
    {
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => _output.ForText(OutputItemKind.Message, out _).Text.Write(utf8Text);

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text) => _output.ForText(OutputItemKind.Reasoning, out _).Text.Write(utf8Text);

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature) =>
        (_output.UnsignedReasoning() ?? _output.ForText(OutputItemKind.Reasoning, out _)).Signature = utf8Signature.ToArray();

    public void ToolCallStart(int index, string id, string name) => _output.StartToolCall(index, id, name);

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json) => _output.ToolCall(index)?.Text.Write(utf8Json);

    public void Finish(FinishReason reason, string? stopSequence = null) => _output.Finish = reason;

    public void ReportUsage(in TokenUsage usage) => _output.Usage = usage;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    // Claimed only now: another attempt may answer while this one collects.
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (claim is { } ticket && !ticket.TryClaim())
        {
            return;
        }
        var status = ResponseObjectWriter.Status(_output);
        if (!exchange.Store)
        {
            // Nothing to keep: written straight into the response.
            await JsonAnswer.WriteAsync(context.Response, (exchange, _output, status, seal), static (json, state) =>
                ResponseObjectWriter.Write(json, state.exchange, state._output, state.status, null, state.seal), cancellationToken);
            _output.Dispose();
            return;
        }
        var response = ResponseObjectWriter.Render(exchange, _output, status, null, seal);
        _output.Dispose();
        if (!await store.TrySaveAsync(exchange, status, response, CancellationToken.None))
        {
            // Stored is what the client asked for: an answer it cannot retrieve or continue is not given as if it were.
            await OpenAIErrorWriter.WriteAsync(context.Response, new GatewayError(503, ErrorKind.Unavailable,
                "The response could not be stored, so it is not returned; try again, or send 'store': false.", "storage_unavailable")
            {
                RetryAfter = StorageUnavailable.RetryAfter,
            });
            return;
        }
        await JsonAnswer.WriteRawAsync(context.Response, response, cancellationToken);
    }

    // Nothing has been sent before completion, so failures are answered as plain HTTP errors by the pipeline.
    public Task FailAsync(GatewayError error, CancellationToken cancellationToken) => Task.CompletedTask;
}
