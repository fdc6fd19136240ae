using LlmProxy.Canonical;
using LlmProxy.Inbound.OpenAIChat;
using LlmProxy.Providers;
using LlmProxy.Wire.OpenAI;

namespace LlmProxy.Inbound.OpenAIEmbeddings;

/// <summary>
/// OpenAI Embeddings, <c>POST /v1/embeddings</c>: passed through to OpenAI-format providers (only <c>model</c>
/// rewritten, usage read on the side), translated for providers with embeddings of their own
/// (<see cref="IEmbeddingsProvider"/>). A provider with neither cannot carry the request, and the next deployment is tried.
/// </summary>
internal sealed class OpenAIEmbeddingsDialect : IInboundDialect, IEmbeddingsDialect
{
    public WireFormat NativeFormat => WireFormat.OpenAIEmbeddings;

    public bool TryReadEnvelope(ReadOnlyMemory<byte> body, out RequestEnvelope envelope, out GatewayError? error) =>
        OpenAIEmbeddingsEnvelopeReader.TryRead(body, out envelope, out error);

    // Never asked: the pipeline sends embeddings to EmbedAsync, not to a chat provider.
    public ValueTask<(ChatRequest? Request, GatewayError? Error)> ReadCanonicalAsync(HttpContext context, ReadOnlyMemory<byte> body) =>
        throw new InvalidOperationException("an embeddings request has no chat form");

    public GatewayError? CheckHeaders(HttpRequest client) => null;

    public void ForwardHeaders(HttpRequest client, HttpRequestMessage upstream)
    {
    }

    public Task<RelayResult> RelayAsync(HttpContext context, UpstreamCall call, RequestEnvelope envelope, AnswerClaim claim, INativeWireProvider provider) =>
        PassThroughRelay.RelayAsync(context, call, stream: false, new OpenAIChatStreamFilter(false), OpenAIUsageReader.ReadDocument,
            OpenAIErrorWriter.WriteStreamEvent, claim);

    // Never asked, as ReadCanonicalAsync.
    public IAnswerWriter CreateAnswerWriter(HttpContext context, in RequestEnvelope envelope, AnswerClaim? claim) =>
        throw new InvalidOperationException("an embeddings answer is written by OpenAIEmbeddingsWriter");

    public Task WriteErrorAsync(HttpResponse response, GatewayError error) => OpenAIErrorWriter.WriteAsync(response, error);

    public async Task<(TokenUsage? Usage, ProviderError? Error, long FirstByte)> EmbedAsync(HttpContext context, IEmbeddingsProvider provider,
        ProviderTarget target, ReadOnlyMemory<byte> body, RequestEnvelope envelope, AnswerClaim claim, CancellationToken cancellationToken)
    {
        var (request, base64) = OpenAIEmbeddingsRequestReader.Read(body);
        using var writer = new OpenAIEmbeddingsWriter(context, envelope.ModelUtf8, base64, claim, TokenReservation.Estimate(body.Span).InputTokens);
        ProviderError? error;
        try
        {
            error = await provider.EmbedAsync(request, target, writer, cancellationToken);
            if (error is null)
            {
                await writer.CompleteAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            error = ProviderError.Canceled;
        }
        if (error is not null && writer.Started)
        {
            // Half a JSON body cannot carry an error: cut the connection, so the client's parser fails rather than reads a short list.
            context.Abort();
        }
        return (writer.Usage, error, writer.OpenedTimestamp);
    }
}
