using LlmProxy.Canonical;

namespace LlmProxy.Inbound.Anthropic;

/// <summary>
/// How an Anthropic client is told apart, and the client headers a same-dialect Anthropic request keeps: <c>anthropic-version</c> (any date is accepted, since
/// newer SDKs send newer ones; it replaces the provider's default) and <c>anthropic-beta</c> (betas such as
/// prompt caching or 1M context change what the body may contain).
/// </summary>
internal static class AnthropicHeaders
{
    /// <summary>True for a request from an Anthropic SDK or Claude Code: they send <c>anthropic-version</c> on every call.</summary>
    public static bool SentBy(HttpRequest request) => request.Headers.ContainsKey("anthropic-version");

    /// <summary>
    /// A 400 naming a forwarded header that is not visible ASCII (RFC 9110 field values; an HTTP client cannot send
    /// anything else on): the client's mistake, which would otherwise fail at the provider's door and count against it.
    /// </summary>
    public static GatewayError? Check(HttpRequest client) =>
        Check(client, "anthropic-version") ?? Check(client, "anthropic-beta");

    private static GatewayError? Check(HttpRequest client, string name)
    {
        foreach (var value in client.Headers[name])
        {
            if (value is not null && !FieldValue.IsAscii(value))
            {
                return GatewayError.BadRequest($"The '{name}' header must be ASCII text: '{ErrorText.Quote(value)}' is not.", name);
            }
        }
        return null;
    }

    public static void Forward(HttpRequest client, HttpRequestMessage upstream)
    {
        var version = client.Headers["anthropic-version"];
        if (version.Count > 0)
        {
            upstream.Headers.Remove("anthropic-version");
            upstream.Headers.TryAddWithoutValidation("anthropic-version", version.ToString());
        }
        var betas = client.Headers["anthropic-beta"];
        if (betas.Count > 0)
        {
            upstream.Headers.TryAddWithoutValidation("anthropic-beta", (IEnumerable<string?>)betas);
        }
    }
}
