using System.Buffers;
using System.Buffers.Text;
using LlmProxy.Canonical;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>Writes a count_tokens answer, <c>{"input_tokens":N}</c>, from the input count it is given; answer events do not occur.</summary>
internal sealed class AnthropicTokenCountWriter(HttpContext context) : IAnswerWriter
{
    public TokenUsage? Usage { get; private set; }

    public void Start(in StreamStart start)
    {
    }

    public void TextDelta(ReadOnlySpan<byte> utf8Text)
    {
    }

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text)
    {
    }

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature)
    {
    }

    public void ToolCallStart(int index, string id, string name)
    {
    }

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
    }

    public void Finish(FinishReason reason)
    {
    }

    public void ReportUsage(in TokenUsage usage) => Usage = usage;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        var output = response.BodyWriter;
        output.Write("{\"input_tokens\":"u8);
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(Usage?.InputTokens ?? 0, span, out var written);
        output.Advance(written);
        output.Write("}"u8);
        await output.FlushAsync(cancellationToken);
    }

    public Task FailAsync(GatewayError error, CancellationToken cancellationToken) => Task.CompletedTask;
}
