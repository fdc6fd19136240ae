using System.Buffers;
using LlmProxy.Canonical;
using LlmProxy.Streaming;

namespace LlmProxy.Providers;

/// <summary>The framing of providers that stream server-sent events: events are cut and parsed here, translated by the provider.</summary>
internal abstract class SseAnswerTranslator : IAnswerTranslator
{
    private readonly SseEventParser _parser = new();
    private SseTail _tail;

    public bool Finished { get; protected set; }

    /// <summary>Translates one event that carries data.</summary>
    public abstract ProviderError? TranslateEvent(in SseEvent sseEvent, IStreamEventSink sink);

    public abstract ProviderError? TranslateBody(ReadOnlySpan<byte> body, IStreamEventSink sink);

    /// <summary>Nothing by default: most providers report usage only at the end.</summary>
    public virtual void ReportPartialUsage(IStreamEventSink sink)
    {
    }

    public ProviderError? TranslateFrames(ref ReadOnlySequence<byte> buffer, bool isLast, IStreamEventSink sink)
    {
        if (!isLast && !_tail.MayHoldEvent(buffer))
        {
            return null;
        }
        while (SseEventSplitter.TryRead(ref buffer, out var sseEvent, out _))
        {
            if (Translate(_parser.Parse(sseEvent), sink) is { } error)
            {
                return error;
            }
        }
        if (isLast && !buffer.IsEmpty)
        {
            // The spec drops an unterminated last event, but a provider that forgot the blank line still meant it.
            var remainder = buffer;
            buffer = buffer.Slice(buffer.End);
            return Translate(_parser.Parse(remainder), sink);
        }
        return _tail.Searched(buffer) ? null : ProviderError.Invalid(SseTail.TooLarge);
    }

    private ProviderError? Translate(in SseEvent sseEvent, IStreamEventSink sink) => sseEvent.HasData ? TranslateEvent(sseEvent, sink) : null;
}
