using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Streaming;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>
/// Decides, event by event, what of a provider's Chat Completions stream reaches the client, and learns the usage,
/// the end marker and any provider error on the way. Events are copied out whole and unchanged; only chunks the
/// client would not expect are dropped: Azure's content-filter annotations (empty id; the opening prompt-filter
/// chunk has no choices, which breaks clients that read <c>choices[0]</c>), and the usage chunk when the proxy,
/// not the client, asked for it. Allocation-free per event.
/// </summary>
internal sealed class OpenAIChatStreamFilter(bool clientWantsUsage)
{
    private readonly SseEventParser _parser = new();

    /// <summary>True once <c>data: [DONE]</c> went by.</summary>
    public bool Done { get; private set; }

    public bool ProviderSentError { get; private set; }

    public TokenUsage? Usage { get; private set; }

    /// <summary>Passes every complete event of <paramref name="buffer"/> on, leaving an incomplete tail in it.</summary>
    public void Process(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        while (SseEventSplitter.TryRead(ref buffer, out var sseEvent))
        {
            Forward(sseEvent, output);
        }
    }

    /// <summary>At the end of the body: the spec drops an unterminated last event, but a provider that forgot the blank line still meant it.</summary>
    public void ProcessRemainder(in ReadOnlySequence<byte> remainder, IBufferWriter<byte> output)
    {
        if (!remainder.IsEmpty)
        {
            Forward(remainder, output);
        }
    }

    private void Forward(in ReadOnlySequence<byte> sseEvent, IBufferWriter<byte> output)
    {
        if (!Keep(sseEvent))
        {
            return;
        }
        foreach (var segment in sseEvent)
        {
            output.Write(segment.Span);
        }
    }

    private bool Keep(in ReadOnlySequence<byte> sseEvent)
    {
        var parsed = _parser.Parse(sseEvent);
        if (!parsed.HasData)
        {
            return true; // comments keep idle connections alive through load balancers.
        }
        var data = parsed.Data;
        if (data.SequenceEqual("[DONE]"u8))
        {
            Done = true;
            return true;
        }
        var kind = OpenAIChunkInspector.Inspect(data, out var usage);
        if (usage is not null)
        {
            Usage = usage;
        }
        switch (kind)
        {
            case OpenAIChunkKind.Error:
                ProviderSentError = true;
                return true;
            case OpenAIChunkKind.NoChoices:
                return usage is not null && clientWantsUsage;
            case OpenAIChunkKind.Annotation:
                return false;
            default:
                return true;
        }
    }
}
