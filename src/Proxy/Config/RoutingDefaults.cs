namespace LlmProxy.Config;

/// <summary>
/// The top-level <c>routing</c> section: defaults for every deployment field a deployment leaves out, and the
/// router's own policy (retry backoff, the per-request deadline, cooldown of failing deployments).
/// </summary>
internal sealed record RoutingDefaults(
    int Retries,
    int ConnectTimeoutMs,
    int FirstByteTimeoutMs,
    int IdleTimeoutMs,
    int TimeoutMs,
    int? MaxTokensDefault,
    int RetryBaseDelayMs,
    int RetryMaxDelayMs,
    int DeadlineMs,
    int CooldownFailures,
    int CooldownWindowMs,
    int CooldownMs)
{
    // Reasoning models can think for minutes before their first token, so the waits are generous by default.
    public static RoutingDefaults Default { get; } = new(
        Retries: 0,
        ConnectTimeoutMs: 10_000,
        FirstByteTimeoutMs: 120_000,
        IdleTimeoutMs: 120_000,
        TimeoutMs: 600_000,
        MaxTokensDefault: null,
        RetryBaseDelayMs: 250,
        RetryMaxDelayMs: 8_000,
        DeadlineMs: 120_000,
        CooldownFailures: 3,
        CooldownWindowMs: 60_000,
        CooldownMs: 30_000);
}
