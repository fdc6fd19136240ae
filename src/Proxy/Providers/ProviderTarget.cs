namespace LlmProxy.Providers;

/// <summary>What a provider needs to know about the deployment it serves: its model, its waits, its default answer length.</summary>
internal sealed record ProviderTarget(string Model, UpstreamTimeouts Timeouts, int? MaxTokensDefault);
