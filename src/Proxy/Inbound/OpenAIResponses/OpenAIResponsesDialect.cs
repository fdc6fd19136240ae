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
/// <param name="job">The background run this instance serves; null for a client's own request.</param>
internal sealed class OpenAIResponsesDialect(ResponsesStore store, BackgroundResponses background, BackgroundJob? job = null) : IInboundDialect
{
    private ReadOnlyMemory<byte> _body;
    private bool _envelopeStream;
    private ReadOnlyMemory<byte> _model;
    private ChatRequest? _canonical;
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
        _envelopeStream = envelope.Stream;
        _model = envelope.ModelUtf8;
        if (_responses.Background && !_responses.Store)
        {
            error = GatewayError.BadRequest("A background response must be stored: 'background' cannot be combined with 'store': false.", "background");
            return false;
        }
        return true;
    }

    // The conversation a previous_response_id continues must be this key's: checked before any provider sees the id. A
    // background request is stored as queued and started apart; this request answers with it and is done.
    public async ValueTask<bool> PrepareAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        var key = context.Features.GetRequiredFeature<ClientKey>();
        _exchange = new ResponsesExchange(key.Owner, store.Time.GetUtcNow().ToUnixTimeSeconds(), job?.Id)
        {
            Store = _responses.Store,
            PreviousResponseId = _responses.PreviousResponseId,
            Background = _responses.Background,
        };
        if (_responses.PreviousResponseId is { } previous)
        {
            var (chain, error) = await store.ChainAsync(previous, key.Owner, context.RequestAborted);
            if (chain is null)
            {
                await WriteErrorAsync(context.Response, error!);
                return false;
            }
            _history = chain;
        }
        if (!_responses.Background)
        {
            return true;
        }
        // Read now, by the request that starts the run and by the run: a malformed background request is a 400 here,
        // not a run that fails later, and the snapshot stored at once echoes what was sent.
        _seal = await store.SealAsync(context.RequestAborted);
        if (!ResponsesRequestReader.TryRead(body, _exchange, _history, _seal, out _canonical, out var readError))
        {
            await WriteErrorAsync(context.Response, readError!);
            return false;
        }
        if (_canonical!.UnsupportedTools is [var hosted, ..])
        {
            await WriteErrorAsync(context.Response, GatewayError.BadRequest(
                $"'{hosted.Path}' is a {hosted.Type}, which runs only at its own provider; a background response is run by the proxy through translation and cannot use it.",
                hosted.Path, "unsupported_content"));
            return false;
        }
        _exchange.Model = System.Text.Encoding.UTF8.GetString(_model.Span);
        _exchange.Echo.Detach(); // the snapshot, and a run's cancelled or failed end, outlive this request's body
        if (job is not null)
        {
            job.Exchange = _exchange;
            await SaveSnapshotAsync("in_progress", context.RequestAborted);
            return true;
        }
        await SaveSnapshotAsync("queued", context.RequestAborted);
        // The run owns the request's accounts from here: it holds the slot the POST was admitted to, and records the usage.
        var started = await background.StartRunAsync(_exchange, key, body, context.Features.Get<RequestAccount>());
        context.Features.Set<RequestAccount>(null);
        await BackgroundAnswer.WriteAsync(context, _exchange.Saved!.Value.Response, started, stream: _envelopeStream);
        return false;
    }

    // The provider can continue natively only a conversation it holds whole; a background run is the proxy's own, translated
    // even where the provider could run it, so that the proxy holds its state.
    public bool MayPassThrough(INativeWireProvider provider) => !_responses.Background && ResponsesStore.HeldWholeBy(_history, provider.Config.Name);

    public async ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        if (_canonical is not null)
        {
            return (_canonical, null); // a background run's, read when it was prepared
        }
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
            (output, error) => ResponsesErrorEvent.Write(output, error, filter.LastSequenceNumber + 1), claim, copy);
        var final = copy is not null ? copy.WrittenSpan.ToArray() : filter.Final;
        if (result.Error is null && final is not null)
        {
            // A stream's terminal event was held back: the copy is stored before the client hears the response is complete.
            // (A JSON body went out as it came; the provider, which keeps it too, is its record.)
            await store.SaveNativeAsync(Exchange, final, _body, provider.Config.Name, CancellationToken.None);
            if (filter.HeldFinalEvent is { } held)
            {
                await context.Response.BodyWriter.WriteAsync(held, context.RequestAborted);
            }
        }
        return result;
    }

    public IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim)
    {
        var exchange = Exchange;
        exchange.Model = System.Text.Encoding.UTF8.GetString(envelope.ModelUtf8.Span);
        var seal = _seal ?? throw new InvalidOperationException("A Responses answer writer was asked for before the request was read.");
        // A background run always streams, into its event log.
        return envelope.Stream || job is not null
            ? new ResponsesStreamWriter(context, exchange, store, seal, claim)
            : new ResponsesResponseWriter(context, exchange, store, seal, claim);
    }

    // A background run that fails before any content records the failure where its client will look: the store and its events.
    public Task WriteErrorAsync(HttpResponse response, GatewayError error) =>
        job is not null && _exchange is not null && _seal is not null
            ? new ResponsesStreamWriter(response.HttpContext, _exchange, store, _seal, claim: null).FailBeforeContentAsync(error, response.HttpContext.RequestAborted)
            : OpenAIErrorWriter.WriteAsync(response, error);

    private Task SaveSnapshotAsync(string status, CancellationToken cancellationToken) =>
        store.SaveAsync(Exchange, status, ResponseObjectWriter.Render(Exchange, new ResponsesOutput(), status, null, _seal!), cancellationToken);

    private ResponsesExchange Exchange => _exchange ?? throw new InvalidOperationException("A Responses request was used before PrepareAsync.");
}
