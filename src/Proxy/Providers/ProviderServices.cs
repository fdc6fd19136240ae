namespace LlmProxy.Providers;

/// <summary>What provider adapters share: the one upstream HTTP client and the clock.</summary>
internal sealed record ProviderServices(HttpMessageInvoker Http, TimeProvider Time);
