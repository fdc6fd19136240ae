namespace LlmProxy.Access;

/// <summary>
/// The Lua scripts that keep requests-per-minute, tokens-per-minute and parallel limits in Redis, each run atomically
/// by the server (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/), so instances sharing one
/// Redis count as one. Each subject (a key, a team) has two Redis keys. A hash keeps the buckets, which are
/// <see cref="RateBucket"/>'s in milliseconds: <c>rl</c>/<c>ra</c> (the requests bucket's level, in requests × 60000, and
/// when it last drained, Unix ms) and <c>tl</c>/<c>ta</c> for tokens; it expires when untouched for a day. A sorted set
/// keeps the requests in flight as leases: each admitted request's ticket, scored with when its lease ends. Settling
/// removes the ticket (and only a removed ticket corrects the buckets, so settling twice, or settling an admission
/// whose reply was lost, is safe); a ticket never settled (its instance crashed, its settlement lost) frees its slot
/// when its lease ends. The clock is the Redis server's (<c>TIME</c>), one for every instance. Numbers are written
/// with <c>%.0f</c>: Lua's own conversion keeps only 14 digits.
/// </summary>
internal static class RedisLimitScripts
{
    /// <summary>How long an admitted request holds its parallel slot unless settled: longer than any request's timeout.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Admission. KEYS: per subject its hash and its set (the key's, then its team's). ARGV[1]: the tokens the request
    /// reserves; ARGV[2]: its ticket; ARGV[3]: the lease in ms; then per subject its rpm, tpm and max parallel (-1 where
    /// it has none). Checks every subject, then takes from all of them or none. Returns <c>{refusal, subject, waitMs}</c>
    /// (refusal 0 admitted, 1 parallel, 2 rpm, 3 tpm, 4 a reservation larger than tpm; subject its 1-based index) and
    /// per subject <c>requestsRemaining, requestsResetMs, tokensRemaining, tokensResetMs</c> (-1 remaining where it
    /// has no such limit).
    /// </summary>
    public const string Admit = """
        local function int(x) return string.format('%.0f', x) end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local W = 60000
        local tokens, ticket, lease = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
        local refusal, refusedBy, wait = 0, 0, 0
        local state = {}
        for i = 1, #KEYS / 2 do
          local h, z = KEYS[2 * i - 1], KEYS[2 * i]
          local base = 3 + (i - 1) * 3
          local rpm, tpm, par = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
          local v = redis.call('HMGET', h, 'rl', 'ra', 'tl', 'ta')
          local rl, ra = tonumber(v[1]) or 0, tonumber(v[2]) or now
          local tl, ta = tonumber(v[3]) or 0, tonumber(v[4]) or now
          if rpm >= 0 and now > ra then rl = math.max(0, rl - rpm * (now - ra)); ra = now end
          if tpm >= 0 and now > ta then tl = math.max(0, tl - tpm * (now - ta)); ta = now end
          redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
          local n = redis.call('ZCARD', z)
          state[i] = { rpm, tpm, rl, ra, tl, ta }
          if refusal == 0 then
            if par >= 0 and n >= par then
              refusal, refusedBy, wait = 1, i, 1000
            elseif rpm >= 0 and rl + W > rpm * W then
              refusal, refusedBy, wait = 2, i, math.ceil((rl + W - rpm * W) / rpm)
            elseif tpm >= 0 and tokens > 0 and tokens > tpm then
              refusal, refusedBy, wait = 4, i, 0
            elseif tpm >= 0 and tokens > 0 and tl + tokens * W > tpm * W then
              refusal, refusedBy, wait = 3, i, math.ceil((tl + tokens * W - tpm * W) / tpm)
            end
          end
        end
        local out = { refusal, refusedBy, wait }
        for i = 1, #KEYS / 2 do
          local h, z = KEYS[2 * i - 1], KEYS[2 * i]
          local s = state[i]
          if refusal == 0 then
            if s[1] >= 0 then s[3] = s[3] + W end
            if s[2] >= 0 then s[5] = s[5] + tokens * W end
            redis.call('ZADD', z, int(now + lease), ticket)
            redis.call('PEXPIRE', z, int(lease * 2))
          end
          redis.call('HSET', h, 'rl', int(s[3]), 'ra', int(s[4]), 'tl', int(s[5]), 'ta', int(s[6]))
          redis.call('PEXPIRE', h, 86400000)
          out[#out + 1] = s[1] >= 0 and math.max(0, math.floor((s[1] * W - s[3]) / W)) or -1
          out[#out + 1] = s[1] > 0 and math.ceil(s[3] / s[1]) or 0
          out[#out + 1] = s[2] >= 0 and math.max(0, math.floor((s[2] * W - s[5]) / W)) or -1
          out[#out + 1] = s[2] > 0 and math.ceil(s[5] / s[2]) or 0
        end
        return out
        """;

    /// <summary>
    /// Settlement. KEYS as admitted. ARGV[1], ARGV[2]: the tokens reserved and used; ARGV[3]: 1 to give the request
    /// back whole (refused after all by a budget, or an admission whose reply never came: its request is not counted
    /// either); ARGV[4]: its ticket; then per subject 1 when its tokens bucket took the reservation. For each subject
    /// whose set still held the ticket: frees the slot and replaces the reservation with the use.
    /// </summary>
    public const string Settle = """
        local function int(x) return string.format('%.0f', x) end
        local W = 60000
        local reserved, used, refund, ticket = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
        for i = 1, #KEYS / 2 do
          local h, z = KEYS[2 * i - 1], KEYS[2 * i]
          if redis.call('ZREM', z, ticket) == 1 and redis.call('EXISTS', h) == 1 then
            local v = redis.call('HMGET', h, 'tl', 'rl')
            local tl, rl = tonumber(v[1]) or 0, tonumber(v[2]) or 0
            if tonumber(ARGV[4 + i]) == 1 then tl = math.max(0, tl + (used - reserved) * W) end
            if refund == 1 then rl = math.max(0, rl - W) end
            redis.call('HSET', h, 'tl', int(tl), 'rl', int(rl))
          end
        end
        return 0
        """;
}
