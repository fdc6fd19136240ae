namespace LlmProxy.Providers;

/// <summary>Reads a provider's non-success answer into a <see cref="ProviderError"/>.</summary>
internal interface IUpstreamErrorMapper
{
    ProviderError MapErrorResponse(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter);
}
