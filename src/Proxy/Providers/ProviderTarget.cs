namespace LlmProxy.Providers;

/// <summary>
/// What a provider needs to know about the deployment it serves: its model, its waits, its default answer length,
/// and, when the config says so, whether the model is a reasoning model (null: the provider tells by the model's name) and
/// the task type its embeddings are for (Gemini's <c>taskType</c>).
/// </summary>
internal sealed record ProviderTarget(string Model, UpstreamTimeouts Timeouts, int? MaxTokensDefault, bool? ReasoningModel = null,
    string? EmbeddingTaskType = null);
