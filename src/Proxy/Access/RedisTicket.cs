using StackExchange.Redis;

namespace LlmProxy.Access;

/// <summary>
/// What one admitted request holds in Redis until it settles: the counters' keys (the key's, then the team's, as the
/// admission script took them) and, per key, whether its tokens bucket took the reservation.
/// </summary>
internal sealed record RedisTicket(RedisKey[] Keys, bool[] TokensTaken);
