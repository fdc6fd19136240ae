using LlmProxy.Canonical;

namespace LlmProxy.Inbound;

/// <summary>
/// Passes a translated answer's events on to the dialect's writer, counting the UTF-8 bytes of answer text, reasoning
/// and tool-call arguments as they go by: when the answer ends without the provider's usage (the client left, the
/// provider cut it), the ledger bills the output as the proxy estimates tokens, about four bytes each.
/// </summary>
internal sealed class OutputTally(IStreamEventSink inner, AnswerClaim claim) : IStreamEventSink
{
    private long _bytes;

    /// <summary>The output so far in tokens, rounded up.</summary>
    public long EstimatedTokens => (_bytes + 3) / 4;

    public void Start(in StreamStart start) => inner.Start(start);

    /// <summary>Kept by the gate for this attempt: it goes on the answer if this attempt is the one that claims it.</summary>
    public void UpstreamRequestId(string id) => claim.Gate.NoteUpstreamRequestId(claim.Attempt, id);

    public void TextDelta(ReadOnlySpan<byte> utf8Text)
    {
        _bytes += utf8Text.Length;
        inner.TextDelta(utf8Text);
    }

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text)
    {
        _bytes += utf8Text.Length;
        inner.ReasoningDelta(utf8Text);
    }

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature) => inner.ReasoningSignature(utf8Signature);

    public void ToolCallStart(int index, string id, string name) => inner.ToolCallStart(index, id, name);

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json)
    {
        _bytes += utf8Json.Length;
        inner.ToolCallArgumentsDelta(index, utf8Json);
    }

    public void Finish(FinishReason reason, string? stopSequence = null) => inner.Finish(reason, stopSequence);

    public void ReportUsage(in TokenUsage usage) => inner.ReportUsage(usage);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
