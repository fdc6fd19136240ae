namespace LlmProxy.Providers;

/// <summary>
/// A provider whose own API is one of the client dialects, so a client body in that format is forwarded with
/// only the proxy-owned fields rewritten, and its answer is piped back untouched.
/// </summary>
internal interface INativeWireProvider : IProviderAdapter, IUpstreamErrorMapper
{
    bool Speaks(WireFormat format);

    /// <summary>
    /// Whether a client's body may go to the host as it is. A host that refuses every field it does not know (Mistral:
    /// 422 <c>extra_forbidden</c>) would refuse what OpenAI's SDKs send (<c>stream_options</c>, <c>user</c>,
    /// <c>max_completion_tokens</c>): its requests are translated instead, which writes only the fields it takes.
    /// </summary>
    bool TakesAnyField => true;

    /// <summary>The upstream request for <paramref name="format"/>: URL and auth set, body left to the caller.</summary>
    HttpRequestMessage CreateRequest(WireFormat format, string providerModel);
}
