namespace LlmProxy.Canonical;

/// <summary>
/// Where a provider pushes an embeddings answer as it reads it: each input's vector once, in the client's order, then
/// the usage. The sink writes each vector out as it comes, so a large
/// answer is never held whole.
/// </summary>
internal interface IEmbeddingsSink
{
    /// <summary>
    /// The vector of input <paramref name="index"/> (0-based; each call the next); its values are only read during the
    /// call. Throws <see cref="OperationCanceledException"/> when the answer is no longer this attempt's to write.
    /// </summary>
    ValueTask VectorAsync(int index, ReadOnlyMemory<float> values, CancellationToken cancellationToken);

    /// <summary>The input tokens the provider counted (embeddings have no output tokens).</summary>
    void ReportUsage(long inputTokens);
}
