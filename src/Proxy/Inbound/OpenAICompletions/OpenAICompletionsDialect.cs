using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAICompletions;

/// <summary>
/// OpenAI's legacy Completions, <c>POST /v1/completions</c>: passed through to OpenAI-format providers (only the model
/// rewritten, and stream usage asked for as for chat), translated for the others through a chat request whose one user
/// message is the prompt, answered as <c>text_completion</c> objects or chunks.
/// </summary>
internal sealed class OpenAICompletionsDialect : IInboundDialect
{
    public WireFormat NativeFormat => WireFormat.OpenAICompletions;

    // The envelope is chat's: model, stream and stream_options mean the same here.
    public bool TryReadEnvelope(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error) =>
        OpenAIChatEnvelopeReader.TryRead(body, out envelope, out error);

    public ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body) =>
        ValueTask.FromResult(OpenAICompletionsRequestReader.TryRead(body, out var request, out var error) ? (request, (GatewayError?)null) : (null, error));

    public GatewayError? CheckHeaders(HttpRequest client) => null;

    public void ForwardHeaders(HttpRequest client, HttpRequestMessage upstream)
    {
    }

    public Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, RequestEnvelope envelope, AnswerClaim claim, INativeWireProvider provider) =>
        PassThroughRelay.RelayAsync(context, call, envelope.Stream, new OpenAIChatStreamFilter(envelope.ClientWantsUsage), OpenAIUsageReader.ReadDocument,
            OpenAIErrorWriter.WriteStreamEvent, claim);

    public IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim) => envelope.Stream
        ? new OpenAICompletionsStreamWriter(context, envelope.ClientWantsUsage, claim)
        : new OpenAICompletionsResponseWriter(context, claim);

    public Task WriteErrorAsync(HttpResponse response, GatewayError error) => OpenAIErrorWriter.WriteAsync(response, error);

    public bool MayPassThrough(INativeWireProvider provider) => provider.TakesAnyField;
}
