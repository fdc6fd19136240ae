using LlmProxy.Canonical;

namespace LlmProxy.Providers;

/// <summary>Passes an answer on, giving tool calls back the names the client declared (see <see cref="ToolIdentifiers"/>).</summary>
internal sealed class ToolNameRestorer(IStreamEventSink inner, IReadOnlyDictionary<string, string> originals) : IStreamEventSink
{
    public void Start(in StreamStart start) => inner.Start(start);

    public void UpstreamRequestId(string id) => inner.UpstreamRequestId(id);

    public void TextDelta(ReadOnlySpan<byte> utf8Text) => inner.TextDelta(utf8Text);

    public void ReasoningDelta(ReadOnlySpan<byte> utf8Text) => inner.ReasoningDelta(utf8Text);

    public void ReasoningSignature(ReadOnlySpan<byte> utf8Signature) => inner.ReasoningSignature(utf8Signature);

    public void ToolCallStart(int index, string id, string name) => inner.ToolCallStart(index, id, originals.GetValueOrDefault(name, name));

    public void ToolCallArgumentsDelta(int index, ReadOnlySpan<byte> utf8Json) => inner.ToolCallArgumentsDelta(index, utf8Json);

    public void Finish(FinishReason reason, string? stopSequence = null) => inner.Finish(reason, stopSequence);

    public void ReportUsage(in TokenUsage usage) => inner.ReportUsage(usage);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
