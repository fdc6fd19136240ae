namespace LlmProxy.Observability;

/// <summary>The proxy's own span attributes, under <c>llm_proxy.</c>; never a secret or any content.</summary>
internal static class ProxyAttributes
{
    /// <summary>The request's id (the <c>x-request-id</c> it was answered with).</summary>
    public const string RequestId = "llm_proxy.request_id";

    /// <summary>The client key's configured name (never the key).</summary>
    public const string KeyName = "llm_proxy.key.name";

    /// <summary>The client's API: <c>chat.completions</c>, <c>messages</c>, <c>responses</c>, <c>responses.compact</c>.</summary>
    public const string Api = "llm_proxy.api";

    /// <summary>Whether the client asked for a stream.</summary>
    public const string Stream = "llm_proxy.stream";

    /// <summary><c>provider/model</c> of the deployment: on an attempt, the one it tried; on the request, the one that served.</summary>
    public const string Deployment = "llm_proxy.deployment";

    /// <summary>The attempt's number within its request, from 1 (retries, fallbacks and hedges all count).</summary>
    public const string Attempt = "llm_proxy.attempt";

    /// <summary>How many attempts the request made.</summary>
    public const string Attempts = "llm_proxy.attempts";

    /// <summary>True when no provider reported usage and the request's tokens are the proxy's estimate.</summary>
    public const string UsageEstimated = "llm_proxy.usage.estimated";
}
