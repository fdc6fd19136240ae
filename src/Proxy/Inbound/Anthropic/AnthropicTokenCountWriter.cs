using LlmProxy.Canonical;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>Writes a count_tokens answer, <c>{"input_tokens":N}</c>, from the input count it is given; answer events do not occur.</summary>
internal sealed class AnthropicTokenCountWriter(HttpContext context) : IAnswerWriter
{
    public TokenUsage? Usage { get; private set; }

    public long OpenedTimestamp => 0;

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

    public void Finish(FinishReason reason, string? stopSequence = null)
    {
    }

    public void ReportUsage(in TokenUsage usage) => Usage = usage;

    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public Task CompleteAsync(CancellationToken cancellationToken) =>
        JsonAnswer.WriteAsync(context.Response, Usage?.InputTokens ?? 0, static (json, count) =>
        {
            json.WriteStartObject();
            json.WriteNumber("input_tokens"u8, count);
            json.WriteEndObject();
        }, cancellationToken);

    public Task FailAsync(GatewayError error, CancellationToken cancellationToken) => Task.CompletedTask;
}
