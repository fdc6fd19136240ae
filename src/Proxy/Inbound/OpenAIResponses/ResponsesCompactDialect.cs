using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Storage;
using LlmProxy.Wire.OpenAI;
using Microsoft.AspNetCore.Http.Features;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// <c>POST /v1/responses/compact</c>: a provider with the Responses API compacts natively (the body passes through);
/// for every other one the proxy asks the deployment's model for a summary of everything but the user messages and
/// answers with those messages and a <c>compaction</c> item carrying the summary sealed, which a later request puts
/// back in its place. One instance per request.
/// </summary>
internal sealed class ResponsesCompactDialect(ResponsesStore store) : IInboundDialect
{
    private List<StoredResponse> _history = [];
    private ResponsesEnvelope _responses;
    private ReasoningSeal? _seal;
    private byte[] _userMessages = [];

    public WireFormat NativeFormat => WireFormat.OpenAIResponsesCompact;

    public bool TryReadEnvelope(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error)
    {
        if (!ResponsesEnvelopeReader.TryRead(body, out envelope, out _responses, out error))
        {
            return false;
        }
        if (envelope.Stream)
        {
            error = GatewayError.BadRequest("Compaction answers at once: 'stream' is not accepted here.", "stream");
            return false;
        }
        return true;
    }

    public async ValueTask<bool> PrepareAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        if (_responses.PreviousResponseId is not { } previous)
        {
            return true;
        }
        var (chain, error) = await store.ChainAsync(previous, context.Features.GetRequiredFeature<ClientKey>().Owner, context.RequestAborted);
        if (chain is null)
        {
            await WriteErrorAsync(context.Response, error!);
            return false;
        }
        _history = chain;
        return true;
    }

    public bool MayPassThrough(INativeWireProvider provider) => ResponsesStore.HeldWholeBy(_history, provider.Config.Name);

    public async ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        _seal = await store.SealAsync(context.RequestAborted);
        var reader = new ResponsesCompactReader(body, _history, _seal);
        if (!reader.TryRead(out var request, out var error))
        {
            return (null, error);
        }
        _userMessages = reader.UserMessages;
        return (request, null);
    }

    public GatewayError? CheckHeaders(HttpRequest client) => null;

    public void ForwardHeaders(HttpRequest client, HttpRequestMessage upstream)
    {
    }

    public Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, RequestEnvelope envelope, AnswerClaim claim, INativeWireProvider provider) =>
        PassThroughRelay.RelayAsync(context, call, stream: false, new ResponsesStreamFilter(keepFinal: false), OpenAIUsageReader.ReadResponsesDocument,
            OpenAIErrorWriter.WriteStreamEvent, claim);

    public IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim) =>
        new CompactionWriter(context, _userMessages, _seal ?? throw new InvalidOperationException("A compaction writer was asked for before the request was read."),
            store.Time.GetUtcNow().ToUnixTimeSeconds(), System.Text.Encoding.UTF8.GetString(envelope.ModelUtf8.Span), claim);

    public Task WriteErrorAsync(HttpResponse response, GatewayError error) => OpenAIErrorWriter.WriteAsync(response, error);
}
