using System.ClientModel;
using System.ClientModel.Primitives;
using LlmProxy.Testing;
using OpenAI;
using OpenAI.Embeddings;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIEmbeddings;

/// <summary>The official OpenAI .NET embeddings client pointed at the proxy (base URL and key only); it asks for base64 vectors.</summary>
internal static class EmbeddingsClient
{
    public static EmbeddingClient For(ProxyHost proxy, string model) =>
        new(model, new ApiKeyCredential(ProxyHost.ClientKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(proxy.Root, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
}
