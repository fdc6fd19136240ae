using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>
/// <c>POST /v1/messages/count_tokens</c>: a Messages body without <c>max_tokens</c>, answered with
/// <c>{"input_tokens":N}</c>, by Anthropic itself when the model is served by Claude, else by an estimate.
/// </summary>
internal sealed class AnthropicCountTokensDialect : IInboundDialect
{
    public WireFormat NativeFormat => WireFormat.AnthropicCountTokens;

    public bool TryReadEnvelope(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error) =>
        AnthropicEnvelopeReader.TryRead(body, out envelope, out error);

    public ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body) =>
        ValueTask.FromResult(AnthropicRequestReader.TryRead(body, out var request, out var error, requireMaxTokens: false) ? (request, (GatewayError?)null) : (null, error));

    public GatewayError? CheckHeaders(HttpRequest client) => AnthropicHeaders.Check(client);

    public void ForwardHeaders(HttpRequest client, HttpRequestMessage upstream) => AnthropicHeaders.Forward(client, upstream);

    public Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, RequestEnvelope envelope, AnswerClaim claim,
        INativeWireProvider provider) =>
        PassThroughRelay.RelayAsync(context, call, stream: false, new AnthropicStreamFilter(), static _ => null, AnthropicErrorWriter.WriteStreamEvent, claim);

    // The estimate is the proxy's own answer: no deployment, no claim.
    public IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim) => new AnthropicTokenCountWriter(context);

    public Task WriteErrorAsync(HttpResponse response, GatewayError error) => AnthropicErrorWriter.WriteAsync(response, error);
}
