namespace LlmProxy.Providers;

/// <summary>What provider adapters share: the one upstream HTTP client, the clock, and logging.</summary>
internal sealed record ProviderServices(HttpMessageInvoker Http, TimeProvider Time, ILoggerFactory Logs)
{
    /// <summary>Cancelled when a stopping proxy's drain time runs out: every upstream call still running is cut (<see cref="ProviderErrorKind.ShuttingDown"/>).</summary>
    public CancellationToken Shutdown { get; init; }
}
