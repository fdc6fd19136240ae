using LlmProxy.Canonical;

namespace LlmProxy.Providers;

/// <summary>
/// A provider that makes embeddings from a canonical request (one whose own API is not OpenAI's embeddings, which
/// passes through instead: <see cref="INativeWireProvider"/>).
/// </summary>
internal interface IEmbeddingsProvider : IProviderAdapter
{
    /// <summary>
    /// Embeds every input of <paramref name="request"/> into <paramref name="sink"/>; returns null when all were
    /// written, else what went wrong (<see cref="ProviderErrorKind.Unsupported"/> for a request it cannot carry, such
    /// as token inputs to a provider that takes only text, before anything is written).
    /// </summary>
    ValueTask<ProviderError?> EmbedAsync(EmbeddingsRequest request, ProviderTarget target, IEmbeddingsSink sink, CancellationToken cancellationToken);
}
