using LlmProxy.Canonical;

namespace LlmProxy.Usage;

/// <summary>
/// One request in the usage ledger, whatever its end (served, refused, failed, abandoned by the client).
/// <list type="bullet">
/// <item><see cref="Time"/>: when the request arrived, Unix milliseconds (UTC).</item>
/// <item><see cref="KeyId"/>, <see cref="KeyName"/>, <see cref="TeamId"/>: the caller (never its secret).</item>
/// <item><see cref="Model"/>: the alias the client asked for, as sent when it names no route; <see cref="Provider"/>
/// (the config's provider name) and <see cref="DeploymentModel"/> (the provider's model): the last deployment tried,
/// null when none was.</item>
/// <item><see cref="Dialect"/>: the client's API (<c>chat.completions</c>, <c>messages</c>, <c>responses</c>, ...).</item>
/// <item><see cref="Status"/>: the HTTP status the client got (for a stream, the one it started with);
/// <see cref="ErrorClass"/>: null when served, else the error's code (<c>rate_limit_exceeded</c>, <c>budget_exceeded</c>,
/// <c>model_not_allowed</c>, <c>upstream_error</c>, ...).</item>
/// <item><see cref="Tokens"/>: every attempt's usage summed, <see cref="TokenUsage.InputTokens"/> counting cached and
/// cache-write tokens (OpenAI's convention); <see cref="CostPicoUsd"/>: its cost at each deployment's price, in
/// 10^-12 USD, exact; <see cref="Estimated"/>: the provider reported no usage (a client left first), so tokens and
/// cost are the proxy's estimate.</item>
/// <item>Durations in milliseconds: <see cref="LatencyMs"/> (arrival to last byte), <see cref="TimeToFirstTokenMs"/>
/// (arrival to the first byte of the answer; null when none was sent), <see cref="OverheadMs"/> (the proxy's own time).</item>
/// </list>
/// </summary>
internal sealed record UsageRecord(
    long Time,
    string KeyId,
    string KeyName,
    string? TeamId,
    string Model,
    string? Provider,
    string? DeploymentModel,
    string Dialect,
    int Status,
    string? ErrorClass,
    TokenUsage Tokens,
    long CostPicoUsd,
    bool Estimated,
    double LatencyMs,
    double? TimeToFirstTokenMs,
    double OverheadMs,
    int Attempts,
    bool ClientDisconnected,
    bool Stream);
