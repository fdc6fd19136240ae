using LlmProxy.Providers;

namespace LlmProxy.Inbound;

/// <summary>
/// What the proxy owns in a client's body, found in one validating pass: the model (to route, and where to rewrite
/// it), whether to stream, whether the client asked for usage, and any extra splice the dialect needs upstream
/// (forcing stream usage on). Everything else in the body is forwarded byte for byte.
/// </summary>
internal readonly record struct RequestEnvelope(
    ReadOnlyMemory<byte> ModelUtf8,
    int ModelTokenOffset,
    int ModelTokenLength,
    bool Stream,
    bool ClientWantsUsage,
    BodySplice ExtraSplice);
