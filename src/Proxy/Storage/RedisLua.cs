namespace LlmProxy.Storage;

/// <summary>Pieces the proxy's Redis scripts share (https://redis.io/docs/latest/develop/interact/programmability/lua-api/).</summary>
internal static class RedisLua
{
    /// <summary>
    /// Sets the local <c>now</c> to the Redis server's clock in Unix milliseconds (<c>TIME</c>): one clock for every
    /// instance, whatever theirs say. Begins a script.
    /// </summary>
    public const string Now = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

        """;
}
