namespace LlmProxy.Config;

/// <summary>The whole validated configuration file.</summary>
internal sealed record ProxyConfig(
    ServerOptions Server,
    RoutingDefaults Routing,
    IReadOnlyList<ProviderConfig> Providers,
    IReadOnlyList<ModelConfig> Models,
    IReadOnlyList<KeyConfig> Keys,
    AdminOptions Admin,
    StorageOptions Storage)
{
    public UsageOptions Usage { get; init; } = UsageOptions.Default;

    /// <summary>Null: no access log.</summary>
    public AccessLogOptions? AccessLog { get; init; }

    /// <summary>Null: no Redis, every limit counted in this process.</summary>
    public RedisOptions? Redis { get; init; }

    /// <summary>Null: no tracing (no <c>telemetry.otlpEndpoint</c>).</summary>
    public TelemetryOptions? Telemetry { get; init; }
}
