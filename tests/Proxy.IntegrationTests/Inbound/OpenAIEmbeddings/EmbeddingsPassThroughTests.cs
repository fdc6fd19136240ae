using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.IntegrationTests.Inbound.OpenAIChat;
using LlmProxy.Testing;
using OpenAI.Embeddings;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIEmbeddings;

/// <summary><c>POST /v1/embeddings</c> to an OpenAI-format provider: the body passes through with only its model rewritten.</summary>
public sealed class EmbeddingsPassThroughTests() : ProxiedUpstreamTestBase("embed")
{
    [Fact]
    public async Task Embeddings_OfficialClientWithDimensions_VectorsArriveValueByValue()
    {
        var client = EmbeddingsClient.For(Proxy, "embed");

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["first", "second"], new EmbeddingGenerationOptions { Dimensions = 4 });

        Assert.Equal(2, embeddings.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(i, embeddings[i].Index);
            Assert.Equal(FakeOpenAIEmbeddings.Vector(i, 4), embeddings[i].ToFloats().ToArray());
        }
        Assert.Equal(4, embeddings.Usage.InputTokenCount);
        using var sent = JsonDocument.Parse(Assert.Single(Upstream.Requests).Body);
        Assert.Equal("/v1/embeddings", Assert.Single(Upstream.Requests).PathAndQuery);
        Assert.Equal("upstream-model-0", sent.RootElement.GetProperty("model").GetString());
        Assert.Equal(4, sent.RootElement.GetProperty("dimensions").GetInt32());
        Assert.Equal("base64", sent.RootElement.GetProperty("encoding_format").GetString());
    }

    [Fact]
    public async Task Embeddings_FloatFormat_BodyIsTheProvidersByteForByte()
    {
        var response = await PostAsync("""{"model":"embed","input":["a","b","c"],"encoding_format":"float"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var data = answer.RootElement.GetProperty("data");
        Assert.Equal(3, data.GetArrayLength());
        Assert.Equal(FakeOpenAIEmbeddings.Vector(2, 3), data[2].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        Assert.Equal(FakeOpenAIEmbeddings.Model, answer.RootElement.GetProperty("model").GetString());
        Assert.Equal("p0/upstream-model-0", response.Headers.GetValues("x-llm-proxy-deployment").Single());
    }

    [Fact]
    public async Task Embeddings_Served_LedgerRecordsTheProvidersInputTokens()
    {
        await PostAsync("""{"model":"embed","input":["a","b","c"]}""");

        var record = await Proxy.WaitForUsageAsync();
        Assert.Equal("embeddings", record.Dialect);
        Assert.Equal(6, record.Tokens.InputTokens);
        Assert.Equal(0, record.Tokens.OutputTokens);
        Assert.Equal(200, record.Status);
    }

    [Fact]
    public async Task Embeddings_TokenArrays_PassThroughUntouched()
    {
        var response = await PostAsync("""{"model":"embed","input":[[1,2,3],[4]],"user":"u-1"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sent = JsonDocument.Parse(Assert.Single(Upstream.Requests).Body);
        Assert.Equal("""[[1,2,3],[4]]""", sent.RootElement.GetProperty("input").GetRawText());
        Assert.Equal("u-1", sent.RootElement.GetProperty("user").GetString());
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        Proxy.Client.PostAsync("/v1/embeddings", new StringContent(json, Encoding.UTF8, "application/json"));
}
