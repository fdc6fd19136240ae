namespace LlmProxy.Canonical;

/// <summary>An error answer for the client, before a dialect writes it in its own envelope.</summary>
internal sealed record GatewayError(int Status, ErrorKind Kind, string Message, string? Code = null, string? Param = null)
{
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The provider's own error type, when its error is passed through to a client of the same dialect.</summary>
    public string? Type { get; init; }

    public static GatewayError BadRequest(string message, string? param = null, string? code = null) =>
        new(400, ErrorKind.InvalidRequest, message, code, param);
}
