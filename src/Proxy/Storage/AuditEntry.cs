namespace LlmProxy.Storage;

/// <summary>
/// One admin change: when (Unix milliseconds), who (<paramref name="Actor"/>: how the caller authenticated and from
/// where, never a secret), what (<paramref name="Action"/> such as <c>key.create</c>, on <paramref name="Target"/>, an
/// id) and <paramref name="DetailsJson"/>, a JSON object of the fields set (never a secret). <paramref name="Id"/> is
/// assigned by the store, increasing; 0 on an entry not yet written.
/// </summary>
internal sealed record AuditEntry(long Id, long Time, string Actor, string Action, string Target, string DetailsJson);
