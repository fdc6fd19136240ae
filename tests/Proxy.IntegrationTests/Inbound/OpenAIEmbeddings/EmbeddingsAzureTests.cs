using System.Text.Json;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;
using OpenAI.Embeddings;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIEmbeddings;

/// <summary>Embeddings through the proxy to Azure OpenAI: the deployment's embeddings URL, api-version and api-key.</summary>
public sealed class EmbeddingsAzureTests() : ProxiedUpstreamTestBase("embed", FakeOpenAIFlavor.Azure)
{
    [Fact]
    public async Task Embeddings_Azure_UsesDeploymentEmbeddingsUrlAndApiKey()
    {
        OpenAIEmbedding embedding = await EmbeddingsClient.For(Proxy, "embed").GenerateEmbeddingAsync("hello");

        Assert.Equal(FakeOpenAIEmbeddings.Vector(0, 3), embedding.ToFloats().ToArray());
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("/openai/deployments/upstream-model-0/embeddings?api-version=2024-10-21", sent.PathAndQuery);
        Assert.Equal(FakeOpenAI.Key, sent.Header("api-key"));
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal("upstream-model-0", body.RootElement.GetProperty("model").GetString());
    }
}
