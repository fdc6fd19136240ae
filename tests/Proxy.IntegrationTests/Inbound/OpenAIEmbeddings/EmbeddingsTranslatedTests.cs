using System.Net;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;
using OpenAI.Embeddings;

namespace LlmProxy.IntegrationTests.Inbound.OpenAIEmbeddings;

/// <summary>
/// <c>POST /v1/embeddings</c> to providers whose API is not OpenAI's: the mock's deterministic vectors written in OpenAI's
/// shape (float or base64), a provider with no embeddings skipped for the next deployment, and bad bodies refused.
/// </summary>
public sealed class EmbeddingsTranslatedTests : IAsyncLifetime
{
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync() => _proxy = await ProxyHost.StartAsync("""
        {
          "providers": {
            "mock": { "type": "mock" },
            "claude": { "type": "anthropic", "baseUrl": "http://127.0.0.1:9", "apiKey": "sk-ant-unused" }
          },
          "models": {
            "echo": [ { "provider": "mock", "model": "echo" } ],
            "claude-then-mock": [ { "provider": "claude", "model": "claude-x" }, { "provider": "mock", "model": "echo" } ],
            "claude-only": [ { "provider": "claude", "model": "claude-x" } ]
          },
          "keys": [ { "key": "sk-test-client", "name": "test" } ]
        }
        """);

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task Embeddings_MockThroughOfficialClient_SameTextSameVectorInTheClientsOrder()
    {
        var client = EmbeddingsClient.For(_proxy, "echo");

        OpenAIEmbeddingCollection first = await client.GenerateEmbeddingsAsync(["alpha", "beta", "alpha"], new EmbeddingGenerationOptions { Dimensions = 64 });
        OpenAIEmbedding beta = await client.GenerateEmbeddingAsync("beta", new EmbeddingGenerationOptions { Dimensions = 64 });

        Assert.Equal([0, 1, 2], first.Select(e => e.Index));
        Assert.Equal(first[0].ToFloats().ToArray(), first[2].ToFloats().ToArray());
        Assert.NotEqual(first[0].ToFloats().ToArray(), first[1].ToFloats().ToArray());
        Assert.Equal(first[1].ToFloats().ToArray(), beta.ToFloats().ToArray());
        Assert.Equal(64, beta.ToFloats().Length);
        Assert.Equal(1.0, Math.Sqrt(beta.ToFloats().ToArray().Sum(v => (double)v * v)), 4);
        Assert.Equal(3, first.Usage.InputTokenCount);
        Assert.Equal("echo", first.Model);
    }

    [Fact]
    public async Task Embeddings_MockFloatAndBase64_SameValuesAsOpenAIEncodesThem()
    {
        using var asFloats = JsonDocument.Parse(await (await PostAsync("""{"model":"echo","input":"one text","encoding_format":"float"}""")).Content.ReadAsStringAsync());
        using var asBase64 = JsonDocument.Parse(await (await PostAsync("""{"model":"echo","input":"one text","encoding_format":"base64"}""")).Content.ReadAsStringAsync());

        var floats = asFloats.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(1_536, floats.Length); // text-embedding-3-small's length when the request gives no dimensions
        Assert.Equal(FakeOpenAIEmbeddings.Base64(floats), asBase64.RootElement.GetProperty("data")[0].GetProperty("embedding").GetString());
        Assert.Equal("list", asFloats.RootElement.GetProperty("object").GetString());
        Assert.Equal("embedding", asFloats.RootElement.GetProperty("data")[0].GetProperty("object").GetString());
        Assert.Equal(2, asFloats.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2, asFloats.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_FirstDeploymentHasNoEmbeddings_NextDeploymentServes()
    {
        var response = await PostAsync("""{"model":"claude-then-mock","input":[[5,6,7]],"dimensions":8}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("mock/echo", response.Headers.GetValues("x-llm-proxy-deployment").Single());
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(8, answer.RootElement.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
    }

    [Fact]
    public async Task Embeddings_NoDeploymentHasEmbeddings_400SaysWhy()
    {
        var response = await PostAsync("""{"model":"claude-only","input":"x"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("has no embeddings API", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{"model":"echo"}""", "input")]
    [InlineData("""{"model":"echo","input":""}""", "input")]
    [InlineData("""{"model":"echo","input":[]}""", "input")]
    [InlineData("""{"model":"echo","input":42}""", "input")]
    [InlineData("""{"model":"echo","input":{"text":"a"}}""", "input")]
    [InlineData("""{"model":"echo","input":["a",""]}""", "input[1]")]
    [InlineData("""{"model":"echo","input":["a",1]}""", "input[1]")]
    [InlineData("""{"model":"echo","input":[[1,2],[]]}""", "input[1]")]
    [InlineData("""{"model":"echo","input":[[1,-2]]}""", "input[0][1]")]
    [InlineData("""{"model":"echo","input":[1.5]}""", "input[0]")]
    [InlineData("""{"model":"echo","input":[null]}""", "input[0]")]
    [InlineData("""{"model":"echo","input":"a","encoding_format":"int8"}""", "encoding_format")]
    [InlineData("""{"model":"echo","input":"a","dimensions":0}""", "dimensions")]
    [InlineData("""{"model":"echo","input":"a","dimensions":"8"}""", "dimensions")]
    [InlineData("""{"model":"echo","input":"a","dimensions":99999999999}""", "dimensions")]
    [InlineData("""{"model":"echo","input":"a","dimensions":100000}""", "dimensions")]
    [InlineData("""{"model":"echo","input":"a","user":7}""", "user")]
    [InlineData("""{"model":"echo","input":"a","stream":true}""", "stream")]
    [InlineData("""{"input":"a"}""", "model")]
    [InlineData("""{"model":"echo","input":["\ud800x"]}""", "input[0]")] // half a surrogate pair: no text
    [InlineData("""{"model":"echo","input":"a","user":"\udc00"}""", "user")]
    [InlineData("""{"model":"echo","input":"a","input":"b"}""", "input")]
    public async Task Embeddings_BadField_400NamingIt(string body, string param)
    {
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Embeddings_MoreThan2048Inputs_400NamingInput()
    {
        var response = await PostAsync($$"""{"model":"echo","input":{{JsonSerializer.Serialize(Enumerable.Repeat("a", 2_049))}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 2048 inputs", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync($$"""{"model":"echo","dimensions":2,"input":{{JsonSerializer.Serialize(Enumerable.Repeat("a", 2_048))}}}""")).StatusCode);
    }

    [Theory]
    [InlineData("[\"input\"]")]
    [InlineData("{\"model\":\"echo\",\"input\":[\"a\"")]
    [InlineData("")]
    public async Task Embeddings_NotAJsonObject_400AndTheProxyServesOn(string body)
    {
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("""{"model":"echo","input":"still here","dimensions":2}""")).StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        _proxy.Client.PostAsync("/v1/embeddings", new StringContent(json, Encoding.UTF8, "application/json"));
}
