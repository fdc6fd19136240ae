namespace LlmProxy.Config;

/// <summary>
/// <c>server.cors</c>: which browser origins may call the proxy (<c>*</c> for any), with which request headers (any by
/// default: the OpenAI and Anthropic SDKs send their own), whether with credentials, and how long a preflight holds.
/// </summary>
internal sealed record CorsOptions(IReadOnlyList<string> AllowedOrigins, IReadOnlyList<string> AllowedHeaders, bool AllowCredentials, int MaxAgeSeconds)
{
    public const int DefaultMaxAgeSeconds = 600;
}
