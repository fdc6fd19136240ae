namespace LlmProxy.Canonical;

/// <summary>
/// Where a provider's translator pushes the events of an answer, in order. Each dialect implements it twice: a
/// stream writer that turns events into its SSE frames, and a collector that writes one JSON body at the end.
/// Event methods only buffer; <see cref="FlushAsync"/> (called once per upstream event) sends. Byte spans are
/// only valid during the call.
/// </summary>
internal interface IStreamEventSink
{
    void Start(in StreamStart start);

    /// <summary>A piece of answer text, UTF-8, unescaped.</summary>
    void TextDelta(ReadOnlySpan<byte> utf8Text);

    /// <summary>A piece of the model's visible reasoning (Anthropic thinking, <c>reasoning_content</c>).</summary>
    void ReasoningDelta(ReadOnlySpan<byte> utf8Text);

    /// <summary>The provider's signature over the reasoning just sent (Anthropic <c>signature_delta</c>).</summary>
    void ReasoningSignature(ReadOnlySpan<byte> utf8Signature);

    /// <summary>A new tool call; <paramref name="index"/> counts tool calls of this answer from 0.</summary>
    void ToolCallStart(int index, string id, string name);

    /// <summary>A fragment of a tool call's arguments JSON text; fragments joined in order form the whole.</summary>
    void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json);

    /// <summary>Why the answer ended; <paramref name="stopSequence"/> is the stop sequence that ended it, when the provider said which.</summary>
    void Finish(FinishReason reason, string? stopSequence = null);

    void ReportUsage(in TokenUsage usage);

    /// <summary>
    /// The provider's own id for this request (its <c>x-request-id</c>, <c>request-id</c> or <c>x-amzn-requestid</c>
    /// header), told before any event, so the answer can carry it as <c>x-llm-proxy-upstream-request-id</c>.
    /// </summary>
    void UpstreamRequestId(string id)
    {
    }

    ValueTask FlushAsync(CancellationToken cancellationToken);
}
