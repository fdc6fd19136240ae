namespace LlmProxy.Observability;

/// <summary>
/// Registered only where several proxies share one process (the in-process tests): the name of this proxy's meter, in
/// place of <see cref="ProxyMetrics.MeterName"/>, so its <c>/metrics</c> reports its own figures and no other's.
/// </summary>
internal sealed record ProxyMeterName(string Name);
