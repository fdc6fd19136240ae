namespace LlmProxy.Providers;

/// <summary>
/// A failed upstream call, as a value: the router decides from <see cref="IsRetryable"/> whether another attempt
/// may serve the client, and each dialect turns it into HTTP in one place.
/// </summary>
internal sealed record ProviderError(ProviderErrorKind Kind, string Message)
{
    /// <summary>The provider's HTTP status for <see cref="ProviderErrorKind.UpstreamStatus"/>.</summary>
    public int Status { get; init; }

    /// <summary>The provider's own error type, code and param, kept so a same-dialect client sees them unchanged.</summary>
    public string? Type { get; init; }

    public string? Code { get; init; }

    public string? Param { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    public bool IsRetryable => Kind switch
    {
        ProviderErrorKind.Connect or ProviderErrorKind.Timeout or ProviderErrorKind.Truncated or ProviderErrorKind.InvalidResponse => true,
        ProviderErrorKind.UpstreamStatus => IsRetryableStatus(Status),
        _ => false,
    };

    // 529 is Anthropic's "overloaded"; 408 asks the client to try again.
    public static bool IsRetryableStatus(int status) => status is 408 or 429 or 500 or 502 or 503 or 504 or 529;

    public static ProviderError Canceled { get; } = new(ProviderErrorKind.Canceled, "the client closed the request");

    public static ProviderError ShuttingDown { get; } = new(ProviderErrorKind.ShuttingDown,
        "The proxy is shutting down and its drain time (server.drainTimeoutMs) ran out before this answer was complete; send the request again (to another instance).");

    /// <summary>A provider answer the proxy cannot read: "the provider sent <paramref name="what"/>".</summary>
    public static ProviderError Invalid(string what) => new(ProviderErrorKind.InvalidResponse, $"the provider sent {what}");
}
