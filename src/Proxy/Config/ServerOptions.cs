namespace LlmProxy.Config;

/// <summary>The <c>server</c> section: where to listen, the largest request body, and the CORS policy (off when null).</summary>
internal sealed record ServerOptions(string Urls, long MaxBodyBytes, CorsOptions? Cors = null)
{
    public const string DefaultUrls = "http://127.0.0.1:8080";
    public const long DefaultMaxBodyBytes = 32 * 1024 * 1024;
}
