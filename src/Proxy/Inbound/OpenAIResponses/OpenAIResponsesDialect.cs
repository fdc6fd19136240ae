using System.Buffers;
using System.Text.Json;
using LlmProxy.Access;
using LlmProxy.Canonical;
using LlmProxy.Providers;
using LlmProxy.Storage;
using LlmProxy.Wire.OpenAI;
using Microsoft.AspNetCore.Http.Features;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// OpenAI Responses, <c>POST /v1/responses</c>: what Codex and the Agents SDKs speak. One instance per request, since
/// it keeps what the request's answer needs: the stored conversation it continues, the response id it mints, what the
/// store keeps. A provider that speaks Responses natively gets the body passed through, as long as it holds the
/// conversation's state itself (every earlier response of it was its own); every other one is reached through the
/// canonical request, rebuilt from the proxy's store. Either way the proxy keeps a stored copy, so retrieval,
/// ownership and continuation on another provider work alike.
/// </summary>
internal sealed class OpenAIResponsesDialect(ResponsesStore store) : IInboundDialect
{
    private ReadOnlyMemory<byte> _body;
    private ResponsesEnvelope _responses;
    private ResponsesExchange? _exchange;
    private List<StoredResponse> _history = [];
    private ReasoningSeal? _seal;

    public WireFormat NativeFormat => WireFormat.OpenAIResponses;

    public bool TryReadEnvelope(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error)
    {
        _body = body;
        if (!ResponsesEnvelopeReader.TryRead(body, out envelope, out _responses, out error))
        {
            return false;
        }
        if (_responses.Background)
        {
            error = GatewayError.BadRequest("'background' responses are not supported by this proxy yet; send the request without it.", "background");
            return false;
        }
        return true;
    }

    // The conversation a previous_response_id continues must be this key's: checked before any provider sees the id.
    public async ValueTask<GatewayError?> PrepareAsync(HttpContext context)
    {
        var owner = context.Features.GetRequiredFeature<ClientKey>().Name;
        _exchange = new ResponsesExchange(owner, store.Time.GetUtcNow().ToUnixTimeSeconds())
        {
            Store = _responses.Store,
            PreviousResponseId = _responses.PreviousResponseId,
        };
        if (_responses.PreviousResponseId is { } previous)
        {
            var (chain, error) = await store.ChainAsync(previous, owner, context.RequestAborted);
            if (chain is null)
            {
                return error;
            }
            _history = chain;
        }
        return null;
    }

    // The provider can continue natively only a conversation it holds whole: every earlier response was its own.
    public bool MayPassThrough(INativeWireProvider provider)
    {
        foreach (var stored in _history)
        {
            if (stored.NativeProvider != provider.Config.Name)
            {
                return false;
            }
        }
        return true;
    }

    public async ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        _seal = await store.SealAsync(context.RequestAborted);
        return ResponsesRequestReader.TryRead(body, Exchange, _history, _seal, out var request, out var error) ? (request, null) : (null, error);
    }

    public GatewayError? CheckHeaders(HttpRequest client) => null;

    public void ForwardHeaders(HttpRequest client, HttpRequestMessage upstream)
    {
    }

    public async Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, RequestEnvelope envelope, AnswerClaim claim, INativeWireProvider provider)
    {
        var keep = _responses.Store;
        var filter = new ResponsesStreamFilter(keepFinal: keep);
        var copy = keep && !envelope.Stream ? new ArrayBufferWriter<byte>(4096) : null;
        var result = await PassThroughRelay.RelayAsync(context, call, envelope.Stream, filter, OpenAIUsageReader.ReadResponsesDocument,
            OpenAIErrorWriter.WriteStreamEvent, claim, copy);
        var final = copy is not null ? copy.WrittenSpan.ToArray() : filter.Final;
        if (result.Error is null && final is not null)
        {
            await store.SaveNativeAsync(Exchange, final, _body, provider.Config.Name, context.RequestAborted);
        }
        return result;
    }

    public IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim)
    {
        var exchange = Exchange;
        exchange.Model = System.Text.Encoding.UTF8.GetString(envelope.ModelUtf8.Span);
        var seal = _seal ?? throw new InvalidOperationException("A Responses answer writer was asked for before the request was read.");
        return envelope.Stream
            ? new ResponsesStreamWriter(context, exchange, store, seal, claim)
            : new ResponsesResponseWriter(context, exchange, store, seal, claim);
    }

    public Task WriteErrorAsync(HttpResponse response, GatewayError error) => OpenAIErrorWriter.WriteAsync(response, error);

    private ResponsesExchange Exchange => _exchange ?? throw new InvalidOperationException("A Responses request was used before PrepareAsync.");
}
