namespace LlmProxy.Canonical;

/// <summary>
/// An embeddings request in the gateway's own terms (OpenAI's <c>POST /v1/embeddings</c>,
/// https://platform.openai.com/docs/api-reference/embeddings/create): the inputs in the client's order, the vector
/// length asked for (<c>dimensions</c>, null for the model's own), and the end user's id. How the vectors are encoded
/// for the client (<c>float</c> or <c>base64</c>) is the dialect's business, not the provider's.
/// </summary>
internal sealed record EmbeddingsRequest(IReadOnlyList<EmbeddingInput> Inputs, int? Dimensions, string? User);
