using StackExchange.Redis;

namespace LlmProxy.Access;

/// <summary>
/// What one admitted request holds in Redis until it settles: its ticket (a lease in each subject's set of requests in
/// flight, see <see cref="RedisLimitScripts"/>), the subjects' Redis keys (rates hash, set and budget hash, the key's
/// then the team's, as the admission script took them), per subject whether its tokens bucket took the reservation, and
/// the key it admitted (whose budgets, and its team's, this process's copy charges too when it settles).
/// </summary>
internal sealed record RedisTicket(string Id, RedisKey[] Keys, bool[] TokensTaken, ClientKey Key);
