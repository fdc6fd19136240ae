namespace LlmProxy.Providers;

/// <summary>
/// A provider whose own API is one of the client dialects, so a client body in that format is forwarded with
/// only the proxy-owned fields rewritten, and its answer is piped back untouched.
/// </summary>
internal interface INativeWireProvider : IProviderAdapter, IUpstreamErrorMapper
{
    bool Speaks(WireFormat format);

    /// <summary>The upstream request for <paramref name="format"/>: URL and auth set, body left to the caller.</summary>
    HttpRequestMessage CreateRequest(WireFormat format, string providerModel);
}
