namespace LlmProxy.Config;

internal sealed record ServerOptions(string Urls, long MaxBodyBytes)
{
    public const string DefaultUrls = "http://127.0.0.1:8080";
    public const long DefaultMaxBodyBytes = 32 * 1024 * 1024;
}
