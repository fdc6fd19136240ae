using LlmProxy.Canonical;
using LlmProxy.Streaming;

namespace LlmProxy.Providers;

/// <summary>
/// Reads one provider answer in its native format into canonical events: a whole JSON body, or a stream one
/// server-sent event at a time. One instance per call: it keeps the stream's state (open blocks, tool call numbering).
/// </summary>
internal interface IAnswerTranslator
{
    /// <summary>True once the stream's end signal went by; a stream that ends before it was cut off.</summary>
    bool Finished { get; }

    /// <summary>Translates one event; returns the provider's error when the event reports one (or cannot be read).</summary>
    ProviderError? TranslateEvent(in SseEvent sseEvent, IStreamEventSink sink);

    ProviderError? TranslateBody(ReadOnlySpan<byte> body, IStreamEventSink sink);
}
