namespace LlmProxy.Providers;

/// <summary>
/// A provider whose own API is one of the client dialects, so a client body in that format is forwarded with
/// only the proxy-owned fields rewritten, and its answer is piped back untouched.
/// </summary>
internal interface INativeWireProvider : IProviderAdapter, IUpstreamErrorMapper
{
    bool Speaks(WireFormat format);

    /// <summary>
    /// Whether the host takes the <c>stream_options</c> the proxy adds to a passed-through OpenAI stream to count it
    /// (Mistral refuses the field and sends usage unasked); false: the body goes without that splice.
    /// </summary>
    bool TakesStreamOptions => true;

    /// <summary>The upstream request for <paramref name="format"/>: URL and auth set, body left to the caller.</summary>
    HttpRequestMessage CreateRequest(WireFormat format, string providerModel);
}
