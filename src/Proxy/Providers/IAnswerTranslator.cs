using LlmProxy.Canonical;

namespace LlmProxy.Providers;

/// <summary>
/// Reads one provider answer in its native format into canonical events: a whole JSON body, or a stream in whatever
/// framing the provider uses (server-sent events, AWS event-stream frames) as its bytes arrive. One instance per
/// call: it keeps the stream's state (open blocks, tool call numbering).
/// </summary>
internal interface IAnswerTranslator
{
    /// <summary>True once the stream's end signal went by; a stream that ends before it was cut off.</summary>
    bool Finished { get; }

    /// <summary>
    /// Translates every complete frame at the front of <paramref name="buffer"/> and leaves the incomplete tail in it
    /// (none when <paramref name="isLast"/>); returns the provider's error when a frame reports one or cannot be read.
    /// </summary>
    ProviderError? TranslateFrames(ref System.Buffers.ReadOnlySequence<byte> buffer, bool isLast, IStreamEventSink sink);

    ProviderError? TranslateBody(ReadOnlySpan<byte> body, IStreamEventSink sink);

    /// <summary>
    /// For a stream cut off before its end (the client left, the connection broke): reports what usage the provider gave
    /// before the cut, so that is billed rather than an estimate (Anthropic's <c>message_start</c> carries the input).
    /// </summary>
    void ReportPartialUsage(IStreamEventSink sink);
}
