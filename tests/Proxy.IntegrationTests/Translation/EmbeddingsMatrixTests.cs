using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmProxy.Testing;

namespace LlmProxy.IntegrationTests.Translation;

/// <summary>
/// The embeddings row of the matrix: every provider family that embeds x <c>float</c> and <c>base64</c> x with and
/// without <c>dimensions</c>, through the real proxy to each family's fake. Each cell checks every value the client
/// decodes against what the fake sent (as numbers or as little-endian float32 base64, whatever the fake answered), the
/// indexes in order, and a usage figure.
/// </summary>
public sealed class EmbeddingsMatrixTests(EmbeddingsMatrixTests.Host host) : IClassFixture<EmbeddingsMatrixTests.Host>
{
    private static readonly string[] Texts = ["first text", "second, longer text", "third"];

    public static TheoryData<string, bool, int?> Cells()
    {
        var cells = new TheoryData<string, bool, int?>();
        foreach (var provider in new[] { "openai", "azure", "gemini", "bedrock-titan", "bedrock-cohere", "mock" })
        {
            foreach (var base64 in new[] { false, true })
            {
                // Titan takes 256, 512 or 1024; Cohere v3 no dimensions at all.
                foreach (var dimensions in provider == "bedrock-cohere" ? new int?[] { null } : [null, 256])
                {
                    cells.Add(provider, base64, dimensions);
                }
            }
        }
        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Embeddings_ThroughProvider_ClientDecodesTheProvidersValues(string provider, bool base64, int? dimensions)
    {
        var body = $$"""{"model":"{{provider}}","input":{{JsonSerializer.Serialize(Texts)}},"encoding_format":"{{(base64 ? "base64" : "float")}}"{{(dimensions is { } d ? $",\"dimensions\":{d}" : "")}}}""";

        using var response = await host.Proxy.Client.PostAsync("/v1/embeddings", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, answer);

        using var document = JsonDocument.Parse(answer);
        var data = document.RootElement.GetProperty("data");
        Assert.Equal(Texts.Length, data.GetArrayLength());
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(i, data[i].GetProperty("index").GetInt32());
            var values = Decode(data[i].GetProperty("embedding"));
            var expected = Expected(provider, Texts[i], i, dimensions);
            if (expected is null)
            {
                Assert.Equal(dimensions ?? 1_536, values.Length); // the mock's vectors: their length is all a cell can know
            }
            else
            {
                Assert.Equal(expected, values);
            }
        }
        Assert.True(document.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64() > 0);
    }

    // Values as the client decodes them: a JSON array of numbers, or OpenAI's base64 of little-endian float32.
    private static float[] Decode(JsonElement embedding)
    {
        if (embedding.ValueKind == JsonValueKind.Array)
        {
            return [.. embedding.EnumerateArray().Select(v => v.GetSingle())];
        }
        var bytes = Convert.FromBase64String(embedding.GetString()!);
        return [.. Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)))];
    }

    private static float[]? Expected(string provider, string text, int index, int? dimensions) => provider switch
    {
        "openai" or "azure" => FakeOpenAIEmbeddings.Vector(index, dimensions ?? 3),
        "gemini" => FakeGeminiEmbeddings.Vector(text, dimensions ?? 3),
        "bedrock-titan" or "bedrock-cohere" => FakeGeminiEmbeddings.Vector(text, dimensions ?? 4),
        _ => null,
    };

    /// <summary>One fake per family and one proxy for the whole row.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private FakeOpenAI _openAI = null!;
        private FakeOpenAI _azure = null!;
        private FakeGemini _gemini = null!;
        private FakeBedrock _bedrock = null!;

        public ProxyHost Proxy { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _openAI = await FakeOpenAI.StartAsync();
            _azure = await FakeOpenAI.StartAsync(FakeOpenAIFlavor.Azure);
            _gemini = await FakeGemini.StartAsync();
            _bedrock = await FakeBedrock.StartAsync();
            Proxy = await ProxyHost.StartAsync($$"""
                {
                  "providers": {
                    "oai": {{ProxyHost.OpenAIProvider(_openAI)}}, "az": {{ProxyHost.AzureProvider(_azure)}},
                    "gem": {{ProxyHost.GeminiProvider(_gemini)}}, "br": {{ProxyHost.BedrockProvider(_bedrock)}}, "local": { "type": "mock" }
                  },
                  "models": {
                    "openai": [ { "provider": "oai", "model": "text-embedding-3-small" } ],
                    "azure": [ { "provider": "az", "model": "embed-deployment" } ],
                    "gemini": [ { "provider": "gem", "model": "gemini-embedding-001" } ],
                    "bedrock-titan": [ { "provider": "br", "model": "amazon.titan-embed-text-v2:0" } ],
                    "bedrock-cohere": [ { "provider": "br", "model": "cohere.embed-multilingual-v3" } ],
                    "mock": [ { "provider": "local", "model": "embed" } ]
                  },
                  "keys": [ { "key": "{{ProxyHost.ClientKey}}", "name": "matrix" } ]
                }
                """);
            Proxy.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ProxyHost.ClientKey);
        }

        public async Task DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await _openAI.DisposeAsync();
            await _azure.DisposeAsync();
            await _gemini.DisposeAsync();
            await _bedrock.DisposeAsync();
        }
    }
}
