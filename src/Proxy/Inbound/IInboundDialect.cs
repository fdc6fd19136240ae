using LlmProxy.Canonical;
using LlmProxy.Providers;

namespace LlmProxy.Inbound;

/// <summary>
/// A client-facing wire format. The pipeline asks it to read the request, to pipe a same-format provider answer
/// back, to write translated answers, and to write errors in its envelope. It never learns which provider answered.
/// </summary>
internal interface IInboundDialect
{
    /// <summary>The provider API whose bodies are this dialect's own, for pass-through.</summary>
    WireFormat NativeFormat { get; }

    bool TryReadEnvelope(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error);

    /// <summary>
    /// Runs once the route is known and the key may take it, before any deployment is tried: a dialect that needs stored
    /// state loads it here (the conversation a Responses request continues). False when the dialect has answered the
    /// request itself: an error in its envelope, or an answer that needs no provider now (a background response queued).
    /// </summary>
    ValueTask<bool> PrepareAsync(HttpContext context, ReadOnlyMemory<byte> body) => ValueTask.FromResult(true);

    /// <summary>Whether this request may pass through to <paramref name="provider"/>, which speaks <see cref="NativeFormat"/>; else it is translated.</summary>
    bool MayPassThrough(INativeWireProvider provider) => true;

    /// <summary>
    /// The canonical request, or the client's error: read once, when the first deployment that needs translation is
    /// tried. Asynchronous because a dialect may need stored state (the conversation a Responses request continues).
    /// </summary>
    ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body);

    /// <summary>A 400 when a client header this format forwards cannot go on (not ASCII text), else null.</summary>
    GatewayError? CheckHeaders(HttpRequest client);

    /// <summary>Copies the client headers that belong to this format (e.g. <c>anthropic-beta</c>) onto a pass-through request.</summary>
    void ForwardHeaders(HttpRequest client, HttpRequestMessage upstream);

    /// <summary>Pipes a successful same-format answer to the client, claiming the answer just before its first write.</summary>
    Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, RequestEnvelope envelope, AnswerClaim claim, INativeWireProvider provider);

    /// <summary>A writer for a translated answer; it claims <paramref name="claim"/> before its first write (none for answers the proxy makes itself).</summary>
    IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim);

    Task WriteErrorAsync(HttpResponse response, GatewayError error);
}
