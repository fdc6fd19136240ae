namespace LlmProxy.Config;

/// <summary>One provider + provider model behind an alias, with its limits resolved against <see cref="RoutingDefaults"/>.</summary>
internal sealed record DeploymentConfig(
    string Provider,
    string Model,
    int Weight,
    int Retries,
    int ConnectTimeoutMs,
    int FirstByteTimeoutMs,
    int IdleTimeoutMs,
    int TimeoutMs,
    int? MaxTokensDefault,
    PriceConfig? Price,
    bool? ReasoningModel = null,
    string? EmbeddingTaskType = null);
