namespace LlmProxy.Canonical;

/// <summary>
/// Where a provider's translator pushes the events of an answer, in order. Each dialect implements it twice: a
/// stream writer that turns events into its SSE frames, and a collector that writes one JSON body at the end.
/// Event methods only buffer; <see cref="FlushAsync"/> (called once per upstream event) sends.
/// </summary>
internal interface IStreamEventSink
{
    void Start(in StreamStart start);

    /// <summary>A piece of answer text, UTF-8, unescaped.</summary>
    void TextDelta(ReadOnlySpan<byte> utf8Text);

    void Finish(FinishReason reason);

    void ReportUsage(in TokenUsage usage);

    ValueTask FlushAsync(CancellationToken cancellationToken);
}
