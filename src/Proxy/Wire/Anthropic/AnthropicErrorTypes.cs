using LlmProxy.Canonical;

namespace LlmProxy.Wire.Anthropic;

/// <summary>
/// Anthropic's error <c>type</c> names and their HTTP statuses (https://docs.anthropic.com/en/api/errors):
/// 400 invalid_request_error, 401 authentication_error, 403 permission_error, 404 not_found_error,
/// 413 request_too_large, 429 rate_limit_error, 500 api_error, 529 overloaded_error.
/// </summary>
internal static class AnthropicErrorTypes
{
    public static string FromKind(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidRequest => "invalid_request_error",
        ErrorKind.Authentication => "authentication_error",
        ErrorKind.PermissionDenied => "permission_error",
        ErrorKind.NotFound => "not_found_error",
        ErrorKind.RequestTooLarge => "request_too_large",
        ErrorKind.RateLimited => "rate_limit_error",
        ErrorKind.Unavailable => "overloaded_error",
        _ => "api_error",
    };

    /// <summary>The status an error type stands for; used when the type arrives without one (a stream's error event).</summary>
    public static int StatusOf(string? type) => type switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    };

    public static bool IsKnown(string? type) => type is "invalid_request_error" or "authentication_error" or "billing_error"
        or "permission_error" or "not_found_error" or "request_too_large" or "rate_limit_error" or "timeout_error"
        or "api_error" or "overloaded_error";
}
