using LlmProxy.Storage;

namespace LlmProxy.Inbound.OpenAIResponses;

/// <summary>
/// The Lua scripts behind <see cref="SharedBackgroundRuns"/>, each run atomically by the Redis server. A run of response
/// <c>{id}</c> has two keys: <c>{keyPrefix}responses:{id}:run</c>, the id of the instance running it, and
/// <c>{keyPrefix}responses:{id}:events</c>, a list of its server-sent events (index = <c>sequence_number</c>) ended by an
/// empty element once the run has stored its end; every change is published on <c>{keyPrefix}responses:{id}</c>.
/// </summary>
internal static class SharedRunScripts
{
    /// <summary>
    /// KEYS[1]: the events list. ARGV[1]: one event; ARGV[2]: the list's expiry in ms; ARGV[3]: the run's channel; ARGV[4]:
    /// the event's sequence number. An event before it that never arrived (pushes are not waited for: one can be lost with
    /// its connection) would shift every later one's place: the list then ends there instead, and a follower that reaches
    /// the end resumes from the stored run once it has ended.
    /// </summary>
    public const string Push = """
        local n = redis.call('LLEN', KEYS[1])
        if n == tonumber(ARGV[4]) then
          redis.call('RPUSH', KEYS[1], ARGV[1])
        elseif n == 0 or redis.call('LINDEX', KEYS[1], -1) ~= '' then
          redis.call('RPUSH', KEYS[1], '')
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        redis.call('PUBLISH', ARGV[3], '')
        """;

    /// <summary>
    /// KEYS[1]: the events list; KEYS[2]: the run key. ARGV[1]: the list's expiry in ms once ended; ARGV[2]: the run's
    /// channel; ARGV[3]: this instance's id. Appends the end marker and removes the run key if it is still this instance's.
    /// </summary>
    public const string End = """
        redis.call('RPUSH', KEYS[1], '')
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[2], '')
        if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
        """;

    /// <summary>
    /// KEYS[1]: the run key; KEYS[2]: the instances set (<see cref="Access.RedisInstances"/>). ARGV[1]: its expiry in ms.
    /// Returns nil when no run is registered, the running instance's id when it stamped within the expiry, else ''.
    /// </summary>
    public const string Locate = RedisLua.Now + """
        local owner = redis.call('GET', KEYS[1])
        if not owner then return false end
        local score = redis.call('ZSCORE', KEYS[2], owner)
        if score and tonumber(score) >= now - tonumber(ARGV[1]) then return owner end
        return ''
        """;
}
