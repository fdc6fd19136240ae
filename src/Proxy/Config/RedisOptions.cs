namespace LlmProxy.Config;

/// <summary>
/// The <c>redis</c> section: the Redis server instances of a scaled-out proxy share their rate limits through.
/// <paramref name="ConnectionString"/> is StackExchange.Redis's configuration string (<c>host:port,password=...,ssl=true</c>);
/// <paramref name="ExpectedInstances"/> how many instances share it, by which each divides its limits while Redis cannot
/// be reached (a key with rpm 60 then gets 60/N on each, never N times 60); <paramref name="KeyPrefix"/> begins every
/// Redis key the proxy writes, so that one Redis may serve several deployments.
/// </summary>
internal sealed record RedisOptions(string ConnectionString, int ExpectedInstances, string KeyPrefix)
{
    public const string DefaultKeyPrefix = "llm-proxy:";
}
