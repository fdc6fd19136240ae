using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using OpenAI.Embeddings;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIEmbeddings;

/// <summary>Embeddings on Gemini: batchEmbedContents calls of at most 100 texts, answered in the client's order.</summary>
public sealed class EmbeddingsGeminiTests : IAsyncLifetime
{
    private FakeGemini _gemini = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _gemini = await FakeGemini.StartAsync();
        _proxy = await ProxyHost.StartAsync($$"""
            {
              "providers": { "gem": {{ProxyHost.GeminiProvider(_gemini)}} },
              "models": { "gem-embed": [ { "provider": "gem", "model": "gemini-embedding-001", "embeddingTaskType": "RETRIEVAL_DOCUMENT" } ] },
              "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "test" } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _gemini.DisposeAsync();
    }

    [Fact]
    public async Task Embeddings_250TextsOnGemini_ThreeCallsOfAtMost100AnsweredInTheClientsOrder()
    {
        var texts = Enumerable.Range(0, 250).Select(i => $"text number {i}{(char)('a' + i % 26)}").ToArray();

        OpenAIEmbeddingCollection embeddings = await EmbeddingsClient.For(_proxy, "gem-embed").GenerateEmbeddingsAsync(texts,
            new EmbeddingGenerationOptions { Dimensions = 5 });

        Assert.Equal(250, embeddings.Count);
        for (var i = 0; i < 250; i++)
        {
            Assert.Equal(i, embeddings[i].Index);
            Assert.Equal(FakeGeminiEmbeddings.Vector(texts[i], 5), embeddings[i].ToFloats().ToArray());
        }
        var calls = _gemini.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("requests")).ToArray();
        Assert.Equal([100, 100, 50], calls.Select(c => c.GetArrayLength()).Order(Comparer<int>.Create((a, b) => b.CompareTo(a))));
        Assert.All(_gemini.Requests, r => Assert.Equal("/v1beta/models/gemini-embedding-001:batchEmbedContents", r.PathAndQuery));
        Assert.All(calls.SelectMany(c => c.EnumerateArray()), item =>
        {
            Assert.Equal("RETRIEVAL_DOCUMENT", item.GetProperty("taskType").GetString());
            Assert.Equal(5, item.GetProperty("outputDimensionality").GetInt32());
        });
    }

    [Fact]
    public async Task Embeddings_GeminiReportsNoTokens_LedgerEstimatesAndSaysSo()
    {
        var response = await PostAsync("""{"model":"gem-embed","input":["one two three four five six seven eight"],"encoding_format":"float"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, answer.RootElement.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
        var record = await _proxy.WaitForUsageAsync();
        Assert.True(record.Estimated);
        Assert.True(record.Tokens.InputTokens > 0);
        // The client's usage is the same estimate: OpenAI's clients read a number there.
        Assert.Equal(record.Tokens.InputTokens, answer.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64());
    }

    [Fact]
    public async Task Embeddings_TokenIdsToGemini_400NamingInput()
    {
        var response = await PostAsync("""{"model":"gem-embed","input":[[1,2,3]]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("input", error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(_gemini.Requests);
    }

    [Fact]
    public async Task Embeddings_GeminiFailsOneCall_ClientGetsItsErrorNotAShortList()
    {
        // The second call (texts 100 to 149) is refused, whichever of the two reaches the fake first.
        _gemini.Override = async (context, request) =>
        {
            if (Encoding.UTF8.GetString(request.Body).Contains("\"t100\"", StringComparison.Ordinal))
            {
                await FakeGemini.WriteErrorAsync(context, 400, "* BatchEmbedContentsRequest.requests[3].content: text too long", "INVALID_ARGUMENT");
                return;
            }
            await FakeGeminiEmbeddings.WriteAsync(context, "gemini-embedding-001", request.Body);
        };
        var input = JsonSerializer.Serialize(Enumerable.Range(0, 150).Select(i => $"t{i}"));

        var response = await PostAsync($$"""{"model":"gem-embed","input":{{input}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("text too long", await response.Content.ReadAsStringAsync());
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        _proxy.Client.PostAsync("/v1/embeddings", new StringContent(json, Encoding.UTF8, "application/json"));
}
