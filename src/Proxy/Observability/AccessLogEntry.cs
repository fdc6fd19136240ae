using LlmProxy.Usage;

namespace LlmProxy.Observability;

/// <summary>
/// One request's access log line before it is written: what every request has (<see cref="TimeUnixMs"/>, its arrival
/// in Unix milliseconds; the request id; method and path, never the query; the status; the key's name when one
/// authenticated, never its secret; the latency in milliseconds) and, for a proxied request, its ledger record. A struct:
/// it travels inside the request's <see cref="Observation"/>, so logging a request allocates nothing.
/// </summary>
internal readonly record struct AccessLogEntry(long TimeUnixMs, string RequestId, string Method, string Path, int Status, string? KeyName, double LatencyMs,
    UsageRecord? Usage);
