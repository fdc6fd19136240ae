using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIChat;

/// <summary>OpenAI Chat Completions, <c>POST /v1/chat/completions</c>: what OpenAI SDKs and most tools speak.</summary>
internal sealed class OpenAIChatDialect : IInboundDialect
{
    public WireFormat NativeFormat => WireFormat.OpenAIChatCompletions;

    public bool TryReadEnvelope(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error) =>
        OpenAIChatEnvelopeReader.TryRead(body, out envelope, out error);

    public ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body) =>
        ValueTask.FromResult(OpenAIChatRequestReader.TryRead(body, out var request, out var error) ? (request, (GatewayError?)null) : (null, error));

    // The proxy's own key and the operator's provider key replace the client's; nothing else of OpenAI's is per client.
    public GatewayError? CheckHeaders(HttpRequest client) => null;

    public void ForwardHeaders(HttpRequest client, HttpRequestMessage upstream)
    {
    }

    public Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, RequestEnvelope envelope, AnswerClaim claim,
        INativeWireProvider provider) =>
        PassThroughRelay.RelayAsync(context, call, envelope.Stream, new OpenAIChatStreamFilter(envelope.ClientWantsUsage), OpenAIUsageReader.ReadDocument,
            OpenAIErrorWriter.WriteStreamEvent, claim);

    public IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim) =>
        envelope.Stream ? new OpenAIChatStreamWriter(context, envelope.ClientWantsUsage, claim) : new OpenAIChatResponseWriter(context, claim);

    public Task WriteErrorAsync(HttpResponse response, GatewayError error) => OpenAIErrorWriter.WriteAsync(response, error);

    // A host that refuses fields it does not know gets the fields it takes, translated, not the client's body.
    public bool MayPassThrough(INativeWireProvider provider) => provider.TakesAnyField;
}
