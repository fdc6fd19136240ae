namespace LlmProxy.Config;

/// <summary>Defaults for every deployment field a deployment leaves out (the top-level <c>routing</c> section).</summary>
internal sealed record RoutingDefaults(
    int Retries,
    int ConnectTimeoutMs,
    int FirstByteTimeoutMs,
    int IdleTimeoutMs,
    int TimeoutMs,
    int? MaxTokensDefault)
{
    // Reasoning models can think for minutes before their first token, so the waits are generous by default.
    public static RoutingDefaults Default { get; } = new(
        Retries: 0,
        ConnectTimeoutMs: 10_000,
        FirstByteTimeoutMs: 120_000,
        IdleTimeoutMs: 120_000,
        TimeoutMs: 600_000,
        MaxTokensDefault: null);
}
