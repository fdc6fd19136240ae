using LlmProxy.Canonical;
using LlmProxy.Providers;

namespace LlmProxy.Inbound;

/// <summary>
/// A dialect whose requests are embeddings, not chat: a deployment that cannot take its body as it is gets a canonical
/// <see cref="EmbeddingsRequest"/> through an <see cref="IEmbeddingsProvider"/> instead of a chat request.
/// </summary>
internal interface IEmbeddingsDialect
{
    /// <summary>
    /// One translated attempt: reads the body's canonical request, has <paramref name="provider"/> embed it and writes the
    /// answer in the dialect's shape, claiming <paramref name="claim"/> before its first byte. Returns the usage, what went
    /// wrong (null when served), and when the answer's first bytes went out (a Stopwatch timestamp, 0 if none did).
    /// </summary>
    Task<(TokenUsage? Usage, ProviderError? Error, long FirstByte)> EmbedAsync(HttpContext context, IEmbeddingsProvider provider, ProviderTarget target,
        ReadOnlyMemory<byte> body, RequestEnvelope envelope, AnswerClaim claim, CancellationToken cancellationToken);
}
