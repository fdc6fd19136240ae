namespace LlmProxy.Canonical;

/// <summary>The class of an error a client sees; each dialect maps it to its own error type names.</summary>
internal enum ErrorKind
{
    InvalidRequest,
    Authentication,
    PermissionDenied,
    NotFound,
    RequestTooLarge,
    RateLimited,
    Upstream,
    Unavailable,
    Timeout,
    Internal,
}
