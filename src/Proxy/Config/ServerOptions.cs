namespace LlmProxy.Config;

/// <summary>
/// The <c>server</c> section: where to listen, the largest request body, the most body bytes held at once across all
/// requests (null: a quarter of the memory the process may use), and the CORS policy (off when null).
/// </summary>
internal sealed record ServerOptions(string Urls, long MaxBodyBytes, CorsOptions? Cors = null, long? MaxBufferedBodyBytes = null)
{
    public const string DefaultUrls = "http://127.0.0.1:8080";
    public const long DefaultMaxBodyBytes = 32 * 1024 * 1024;
    public const int DefaultDrainTimeoutMs = 30_000;

    /// <summary>How long requests in flight (streams included) may run on after a stop began before they are cut.</summary>
    public int DrainTimeoutMs { get; init; } = DefaultDrainTimeoutMs;

    /// <summary>Whether <c>GET /metrics</c> is served at all (false: no exporter runs, the instruments record to nobody).</summary>
    public bool Metrics { get; init; } = true;

    /// <summary>
    /// Listen URLs (<c>;</c>-separated, each with its port) that serve <c>GET /metrics</c> and nothing else, instead of the
    /// main listener; null: <c>/metrics</c> is on the main listener.
    /// </summary>
    public string? MetricsUrls { get; init; }

    /// <summary>The ports of <see cref="MetricsUrls"/>: a request is for the metrics listener when it arrived on one.</summary>
    public IReadOnlyList<int> MetricsPorts { get; init; } = [];

    /// <summary>Whether <c>GET /metrics</c> needs the admin master key (as Bearer), as the admin API does.</summary>
    public bool MetricsRequireMasterKey { get; init; }

    /// <summary>Whether the cost metric also carries the key's name and team id (one series per key: off by default).</summary>
    public bool MetricsKeyLabels { get; init; }

    /// <summary>Whether a change of the config file reloads it, as SIGHUP does (see ConfigReload).</summary>
    public bool WatchConfig { get; init; }

    /// <summary>The body budget: as configured, else a quarter of the memory the GC may use (a container's limit included).</summary>
    public long BufferedBodyBytes => MaxBufferedBodyBytes ?? Math.Max(MaxBodyBytes, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);
}
