namespace LlmProxy.Config;

/// <summary>USD per million tokens, used for cost accounting.</summary>
internal sealed record PriceConfig(decimal InputPerMTok, decimal OutputPerMTok, decimal CacheReadPerMTok, decimal CacheWritePerMTok);
