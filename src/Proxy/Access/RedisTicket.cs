using StackExchange.Redis;

namespace LlmProxy.Access;

/// <summary>
/// What one admitted request holds in Redis until it settles: its ticket (a lease in each subject's set of requests in
/// flight, see <see cref="RedisLimitScripts"/>), the subjects' Redis keys (hash and set, the key's then the team's, as
/// the admission script took them) and, per subject, whether its tokens bucket took the reservation.
/// </summary>
internal sealed record RedisTicket(string Id, RedisKey[] Keys, bool[] TokensTaken);
