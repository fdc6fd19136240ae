using LlmProxy.Storage;

namespace LlmProxy.Access;

/// <summary>
/// The Lua scripts that keep requests-per-minute, tokens-per-minute, parallel and budget limits in Redis, each run
/// atomically by the server (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/), so instances
/// sharing one Redis count as one. Each subject (a key, a team) has three Redis keys:
/// <list type="bullet">
/// <item>a hash of the rate buckets, which are <see cref="RateBucket"/>'s in milliseconds: <c>rl</c>/<c>ra</c> (the requests
/// bucket's level, in requests × 60000, and when it last drained, Unix ms) and <c>tl</c>/<c>ta</c> for tokens; it expires
/// when untouched for a day;</item>
/// <item>a sorted set of the requests in flight as leases: each admitted request's ticket, scored with when its lease
/// ends. Settling removes the ticket (and only a removed ticket corrects the buckets, so settling twice, or settling an
/// admission whose reply was lost, is safe); a ticket never settled (its instance crashed, its settlement lost) frees
/// its slot when its lease ends;</item>
/// <item>a hash of the budget, in 10^-9 USD: <c>k</c> and <c>p</c> the period it counts (its kind, its start in Unix s),
/// <c>s</c> spent in it, <c>r</c> reserved by requests in flight, and <c>t{ticket}</c> each one's reservation, replaced
/// by its cost when it settles, or charged as spent when its lease ends unsettled (its instance crashed, its settlement
/// was lost: billed the estimate, as a client that leaves is). Every admission raises <c>s</c> to what the admitting
/// instance knows was spent (the ledger at its start and while Redis was away, what it last read here, its own costs),
/// and a later period (or a hash Redis lost) starts over from that; an instance
/// whose clock is still in the previous period counts in the current one. It expires a day after its period ends; a
/// budget that never resets never expires (its key's or team's deletion removes it).</item>
/// </list>
/// The clock is the Redis server's (<c>TIME</c>), one for every instance. Numbers are written with <c>%.0f</c> (Lua's own
/// conversion keeps only 14 digits) and budget amounts added with <c>HINCRBY</c>, exact in 64 bits (9.2 billion USD;
/// <c>-0</c> is no integer to it, so a zero is never subtracted).
/// </summary>
internal static class RedisLimitScripts
{
    /// <summary>How long an admitted request holds its parallel slot unless settled: longer than any request's timeout.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Admission. KEYS: per subject its rates hash, its set and its budget hash (the key's, then its team's). ARGV[1]: the
    /// tokens the request reserves; ARGV[2]: its ticket; ARGV[3]: the lease in ms; ARGV[4]: its cost reserved, 10^-9 USD;
    /// then per subject its rpm, tpm, max parallel and budget (10^-9 USD) (-1 where it has none), its budget period's kind
    /// and start (Unix s), when that period's hash expires (Unix ms; -1 never) and what the instance knows was spent in it
    /// (10^-9 USD), which the shared spend is raised to. Checks every
    /// subject, then takes from all of them or none. Returns <c>{refusal, subject, waitMs}</c> (refusal 0 admitted, 1
    /// parallel, 2 rpm, 3 tpm, 4 a reservation larger than tpm, 5 budget; subject its 1-based index) and per subject
    /// <c>requestsRemaining, requestsResetMs, tokensRemaining, tokensResetMs, spent, reserved</c> (-1 remaining where it
    /// has no such limit).
    /// </summary>
    public const string Admit = RedisLua.Now + """
        local function int(x) return string.format('%.0f', x) end
        local W = 60000
        local tokens, ticket, lease, cost = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
        local refusal, refusedBy, wait = 0, 0, 0
        local state = {}
        for i = 1, #KEYS / 3 do
          local h, z, b = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
          local base = 4 + (i - 1) * 8
          local rpm, tpm, par, budget = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4])
          local v = redis.call('HMGET', h, 'rl', 'ra', 'tl', 'ta')
          local rl, ra = tonumber(v[1]) or 0, tonumber(v[2]) or now
          local tl, ta = tonumber(v[3]) or 0, tonumber(v[4]) or now
          if rpm >= 0 and now > ra then rl = math.max(0, rl - rpm * (now - ra)); ra = now end
          if tpm >= 0 and now > ta then tl = math.max(0, tl - tpm * (now - ta)); ta = now end
          local bs, br = 0, 0
          local swept = false
          if budget >= 0 then
            local kind, start, known = ARGV[base + 5], tonumber(ARGV[base + 6]), ARGV[base + 8]
            local pv = redis.call('HMGET', b, 'k', 'p', 's', 'r')
            local current = tonumber(pv[2]) or -1
            if pv[1] ~= kind or current < start then
              redis.call('DEL', b)
              redis.call('HSET', b, 'k', kind, 'p', ARGV[base + 6], 's', known, 'r', 0)
              bs = tonumber(known)
            else
              bs, br = tonumber(pv[3]) or 0, tonumber(pv[4]) or 0
              local lapsed = redis.call('ZRANGEBYSCORE', z, '-inf', now)
              for _, lapsedTicket in ipairs(lapsed) do
                local c = redis.call('HGET', b, 't' .. lapsedTicket)
                if c then
                  redis.call('HDEL', b, 't' .. lapsedTicket)
                  if c ~= '0' then
                    redis.call('HINCRBY', b, 'r', '-' .. c)
                    redis.call('HINCRBY', b, 's', c)
                    br, bs = br - tonumber(c), bs + tonumber(c)
                  end
                end
              end
              if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
              swept = true
              -- Never below what this instance knows: what it spent while Redis was away, and what all spent as the ledger
              -- said meanwhile. The larger, not the sum: each copy holds the others' spend as far as the ledger had it.
              if current == start and tonumber(known) > bs then
                redis.call('HSET', b, 's', known)
                bs = tonumber(known)
              end
            end
          end
          if not swept then redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
          local n = par >= 0 and redis.call('ZCARD', z) or 0
          state[i] = { rpm, tpm, rl, ra, tl, ta, budget, bs, br }
          if refusal == 0 then
            if par >= 0 and n >= par then
              refusal, refusedBy, wait = 1, i, 1000
            elseif rpm >= 0 and rl + W > rpm * W then
              refusal, refusedBy, wait = 2, i, math.ceil((rl + W - rpm * W) / rpm)
            elseif tpm >= 0 and tokens > 0 and tokens > tpm then
              refusal, refusedBy, wait = 4, i, 0
            elseif tpm >= 0 and tokens > 0 and tl + tokens * W > tpm * W then
              refusal, refusedBy, wait = 3, i, math.ceil((tl + tokens * W - tpm * W) / tpm)
            elseif budget >= 0 and (budget - bs - br <= 0 or cost > budget - bs - br) then
              refusal, refusedBy, wait = 5, i, 0
            end
          end
        end
        local out = { refusal, refusedBy, wait }
        for i = 1, #KEYS / 3 do
          local h, z, b = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
          local s = state[i]
          if refusal == 0 then
            if s[1] >= 0 then s[3] = s[3] + W end
            if s[2] >= 0 then s[5] = s[5] + tokens * W end
            redis.call('ZADD', z, int(now + lease), ticket)
            if s[7] < 0 then redis.call('PEXPIRE', z, int(lease * 2)) end
            if s[7] >= 0 then
              redis.call('HINCRBY', b, 'r', ARGV[4])
              redis.call('HSET', b, 't' .. ticket, ARGV[4])
              s[9] = s[9] + cost
            end
          end
          if s[7] >= 0 then
            -- The leases live as long as the budget: a lease's end is what gives back (and charges) its reservation there.
            local expires = tonumber(ARGV[4 + (i - 1) * 8 + 7])
            if expires > 0 then
              redis.call('PEXPIREAT', b, int(expires))
              if refusal == 0 then redis.call('PEXPIREAT', z, int(math.max(expires, now + lease * 2))) end
            else
              redis.call('PERSIST', b)
              if refusal == 0 then redis.call('PERSIST', z) end
            end
          end
          if s[1] >= 0 or s[2] >= 0 then
            redis.call('HSET', h, 'rl', int(s[3]), 'ra', int(s[4]), 'tl', int(s[5]), 'ta', int(s[6]))
            redis.call('PEXPIRE', h, 86400000)
          end
          out[#out + 1] = s[1] >= 0 and math.max(0, math.floor((s[1] * W - s[3]) / W)) or -1
          out[#out + 1] = s[1] > 0 and math.ceil(s[3] / s[1]) or 0
          out[#out + 1] = s[2] >= 0 and math.max(0, math.floor((s[2] * W - s[5]) / W)) or -1
          out[#out + 1] = s[2] > 0 and math.ceil(s[5] / s[2]) or 0
          out[#out + 1] = int(s[8])
          out[#out + 1] = int(s[9])
        end
        return out
        """;

    /// <summary>
    /// Settlement. KEYS as admitted. ARGV[1], ARGV[2]: the tokens reserved and used; ARGV[3]: 1 to give the request
    /// back whole (refused after all, or an admission whose reply never came: its request is not counted either);
    /// ARGV[4]: its ticket; ARGV[5]: its cost, 10^-9 USD; then per subject 1 when its tokens bucket took the reservation.
    /// For each subject whose set still held the ticket: frees the slot and replaces the reserved tokens with the used;
    /// for each whose budget hash still holds the ticket's reservation (the same period): replaces it with the cost.
    /// </summary>
    public const string Settle = """
        local function int(x) return string.format('%.0f', x) end
        local W = 60000
        local reserved, used, refund, ticket = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
        for i = 1, #KEYS / 3 do
          local h, z, b = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
          if redis.call('ZREM', z, ticket) == 1 and redis.call('EXISTS', h) == 1 then
            local v = redis.call('HMGET', h, 'tl', 'rl')
            local tl, rl = tonumber(v[1]) or 0, tonumber(v[2]) or 0
            if tonumber(ARGV[5 + i]) == 1 then tl = math.max(0, tl + (used - reserved) * W) end
            if refund == 1 then rl = math.max(0, rl - W) end
            redis.call('HSET', h, 'tl', int(tl), 'rl', int(rl))
          end
          local c = redis.call('HGET', b, 't' .. ticket)
          if c then
            redis.call('HDEL', b, 't' .. ticket)
            if c ~= '0' then redis.call('HINCRBY', b, 'r', '-' .. c) end
            if refund ~= 1 then redis.call('HINCRBY', b, 's', ARGV[5]) end
          end
        end
        return 0
        """;
}
