using System.Net;
using System.Text;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Inbound.OpenAICompletions;

/// <summary>Legacy Completions to Azure OpenAI: the deployment's completions URL with its api-version and api-key.</summary>
public sealed class CompletionsAzureTests() : ProxiedUpstreamTestBase("instruct", FakeOpenAIFlavor.Azure)
{
    [Fact]
    public async Task Completions_Azure_UsesDeploymentCompletionsUrl()
    {
        var response = await Proxy.Client.PostAsync("/v1/completions", new StringContent("""{"model":"instruct","prompt":"x"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(Upstream.Requests);
        Assert.Equal("/openai/deployments/upstream-model-0/completions?api-version=2024-10-21", sent.PathAndQuery);
        Assert.Equal(FakeOpenAI.Key, sent.Header("api-key"));
    }
}
