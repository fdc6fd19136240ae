namespace LlmProxy.Providers;

internal enum ProviderErrorKind
{
    /// <summary>The connection could not be made (refused, DNS, TLS).</summary>
    Connect,

    /// <summary>Connect, first byte, idle gap or total time ran out.</summary>
    Timeout,

    /// <summary>The provider answered with a non-success status.</summary>
    UpstreamStatus,

    /// <summary>The answer stopped before its end marker.</summary>
    Truncated,

    /// <summary>The answer could not be read as the provider's format.</summary>
    InvalidResponse,

    /// <summary>The client went away; nobody is left to answer.</summary>
    Canceled,

    /// <summary>The proxy is stopping and its drain time (<c>server.drainTimeoutMs</c>) ran out: the attempt was cut, the client is still there.</summary>
    ShuttingDown,

    /// <summary>The request holds a part this provider cannot carry; another deployment may, else the client gets a 400 naming it.</summary>
    Unsupported,
}
