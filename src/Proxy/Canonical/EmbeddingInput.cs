namespace LlmProxy.Canonical;

/// <summary>
/// One input of an embeddings request: a text, or (where the provider takes them) the token ids of one, as OpenAI's
/// <c>input</c> allows (<c>"text"</c>, <c>["a", "b"]</c>, <c>[1, 2]</c>, <c>[[1, 2], [3]]</c>). Exactly one of the two is set.
/// </summary>
internal readonly record struct EmbeddingInput(string? Text, int[]? Tokens);
