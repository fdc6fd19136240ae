using Anthropic;
using Anthropic.Core;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.Anthropic;

/// <summary>The official Anthropic C# client pointed at the proxy, as Claude Code users configure it (base URL and key only).</summary>
internal static class AnthropicClientFactory
{
    public static AnthropicClient Create(ProxyHost proxy, string key = ProxyHost.ClientKey, IReadOnlyDictionary<string, string>? headers = null) =>
        new(new ClientOptions
        {
            ApiKey = key,
            BaseUrl = proxy.Root.ToString().TrimEnd('/'),
            // Tests assert the proxy's own answer, not the client's retries of it.
            MaxRetries = 0,
            ExtraHeaders = headers ?? new Dictionary<string, string>(),
        });
}
