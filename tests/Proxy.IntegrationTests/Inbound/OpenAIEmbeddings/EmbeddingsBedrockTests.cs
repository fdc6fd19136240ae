using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using OpenAI.Embeddings;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIEmbeddings;

/// <summary>Embeddings on Bedrock: Titan (a text a call) and Cohere Embed (96 texts a call) through InvokeModel, signed.</summary>
public sealed class EmbeddingsBedrockTests : IAsyncLifetime
{
    private FakeBedrock _bedrock = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _bedrock = await FakeBedrock.StartAsync();
        _proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "br": {{ProxyHost.BedrockProvider(_bedrock)}} },
              "models": {
                "titan": [ { "provider": "br", "model": "amazon.titan-embed-text-v2:0" } ],
                "cohere": [ { "provider": "br", "model": "us.cohere.embed-english-v3", "embeddingTaskType": "search_query" } ],
                "cohere-v4": [ { "provider": "br", "model": "cohere.embed-v4:0" } ],
                "claude": [ { "provider": "br", "model": "anthropic.claude-sonnet-4-5-20250929-v1:0" } ]
              },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _bedrock.DisposeAsync();
    }

    [Fact]
    public async Task Embeddings_TitanFiveTexts_FiveSignedCallsInTheClientsOrderTokensSummed()
    {
        string[] texts = ["one", "two words", "three little words", "four", "five and more"];

        OpenAIEmbeddingCollection embeddings = await EmbeddingsClient.For(_proxy, "titan").GenerateEmbeddingsAsync(texts,
            new EmbeddingGenerationOptions { Dimensions = 256 });

        Assert.Equal(5, embeddings.Count);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i, embeddings[i].Index);
            Assert.Equal(FakeGeminiEmbeddings.Vector(texts[i], 256), embeddings[i].ToFloats().ToArray());
        }
        Assert.Equal(5, _bedrock.Requests.Count);
        Assert.All(_bedrock.Requests, r => Assert.Equal("/model/amazon.titan-embed-text-v2%3A0/invoke", r.PathAndQuery.Replace(":", "%3A")));
        Assert.Equal(1 + 2 + 3 + 1 + 3, embeddings.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Embeddings_Cohere200Texts_CallsOfAtMost96WithTheDeploymentsInputType()
    {
        var texts = Enumerable.Range(0, 200).Select(i => $"doc {i}").ToArray();

        OpenAIEmbeddingCollection embeddings = await EmbeddingsClient.For(_proxy, "cohere").GenerateEmbeddingsAsync(texts);

        Assert.Equal(200, embeddings.Count);
        Assert.Equal(FakeGeminiEmbeddings.Vector("doc 199", 4), embeddings[199].ToFloats().ToArray());
        var calls = _bedrock.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToArray();
        Assert.Equal([96, 96, 8], calls.Select(c => c.GetProperty("texts").GetArrayLength()).OrderDescending());
        Assert.All(calls, c => Assert.Equal("search_query", c.GetProperty("input_type").GetString()));
    }

    [Fact]
    public async Task Embeddings_CohereV4WithDimensions_OutputDimensionSentVectorsOfThatLength()
    {
        var response = await PostAsync("""{"model":"cohere-v4","input":["a","b"],"dimensions":256,"encoding_format":"float"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(FakeGeminiEmbeddings.Vector("b", 256), answer.RootElement.GetProperty("data")[1].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
        var sent = Assert.Single(_bedrock.Requests).Json;
        Assert.Equal(256, sent.GetProperty("output_dimension").GetInt32());
        Assert.Equal("float", sent.GetProperty("embedding_types")[0].GetString());
    }

    [Fact]
    public async Task Embeddings_CohereV3WithDimensions_400NamingDimensionsBeforeAnyCall()
    {
        var response = await PostAsync("""{"model":"cohere","input":"a","dimensions":256}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("dimensions", error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(_bedrock.Requests);
    }

    [Fact]
    public async Task Embeddings_TitanRefusesTheDimensions_ClientGetsBedrocksError()
    {
        var response = await PostAsync("""{"model":"titan","input":"x","dimensions":300}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("must be one of 256, 512, 1024", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Embeddings_ChatModelOnBedrock_400NamingModel()
    {
        var response = await PostAsync("""{"model":"claude","input":"x"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("model", error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(_bedrock.Requests);
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        _proxy.Client.PostAsync("/v1/embeddings", new StringContent(json, Encoding.UTF8, "application/json"));
}
