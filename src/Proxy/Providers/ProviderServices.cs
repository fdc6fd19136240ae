namespace LlmProxy.Providers;

/// <summary>What provider adapters share: the one upstream HTTP client, the clock, and logging.</summary>
internal sealed record ProviderServices(HttpMessageInvoker Http, TimeProvider Time, ILoggerFactory Logs);
