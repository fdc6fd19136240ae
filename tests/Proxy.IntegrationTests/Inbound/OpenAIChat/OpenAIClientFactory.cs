using System.ClientModel;
using System.ClientModel.Primitives;
using LlmProxy.Testing;
using OpenAI;
using OpenAI.Chat;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIChat;

/// <summary>The official OpenAI .NET client pointed at the proxy, as a user would configure it (base URL and key only).</summary>
internal static class OpenAIClientFactory
{
    public static ChatClient Chat(ProxyHost proxy, string model, string key = ProxyHost.ClientKey) =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(proxy.Root, "v1"),
            // Tests assert the proxy's own answer, not the client's retries of it.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
}
