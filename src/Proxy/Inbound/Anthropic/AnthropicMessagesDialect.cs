using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Wire.Anthropic;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>Anthropic Messages, <c>POST /v1/messages</c>: what the Anthropic SDKs and Claude Code speak.</summary>
internal sealed class AnthropicMessagesDialect : IInboundDialect
{
    public WireFormat NativeFormat => WireFormat.AnthropicMessages;

    public bool TryReadEnvelope(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error) =>
        AnthropicEnvelopeReader.TryRead(body, out envelope, out error);

    public ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body) =>
        ValueTask.FromResult(AnthropicRequestReader.TryRead(body, out var request, out var error) ? (request, (GatewayError?)null) : (null, error));

    public GatewayError? CheckHeaders(HttpRequest client) => AnthropicHeaders.Check(client);

    public void ForwardHeaders(HttpRequest client, HttpRequestMessage upstream) => AnthropicHeaders.Forward(client, upstream);

    public Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, RequestEnvelope envelope, AnswerClaim claim,
        INativeWireProvider provider) =>
        PassThroughRelay.RelayAsync(context, call, envelope.Stream, new AnthropicStreamFilter(), AnthropicUsage.ReadDocument,
            AnthropicErrorWriter.WriteStreamEvent, claim);

    public IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim) =>
        envelope.Stream ? new AnthropicMessagesStreamWriter(context, claim) : new AnthropicMessagesResponseWriter(context, claim);

    public Task WriteErrorAsync(HttpResponse response, GatewayError error) => AnthropicErrorWriter.WriteAsync(response, error);
}
