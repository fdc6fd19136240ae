using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;

namespace LlmProxy.Providers.Gemini;

/// <summary>
/// Gemini's embeddings (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents):
/// <c>POST {baseUrl}/v1beta/models/{model}:batchEmbedContents</c> with
/// <c>{"requests":[{"model":"models/{model}","content":{"parts":[{"text":"..."}]},"taskType":"...","outputDimensionality":N}]}</c>,
/// at most <see cref="PerCall"/> texts a call; the answer, <c>{"embeddings":[{"values":[...]}]}</c>, is in the requests'
/// order and reports no token counts. Text only: token ids have no Gemini form.
/// </summary>
internal static class GeminiEmbeddings
{
    /// <summary>The most texts one batchEmbedContents call takes.</summary>
    public const int PerCall = 100;

    public static ReadOnlyMemory<byte> Body(EmbeddingsRequest request, int start, int count, ProviderTarget target)
    {
        var body = new ArrayBufferWriter<byte>(256 + count * 64);
        using var json = new Utf8JsonWriter(body, EmbeddingBatches.BodyOptions);
        var model = "models/" + target.Model;
        json.WriteStartObject();
        json.WriteStartArray("requests"u8);
        for (var i = start; i < start + count; i++)
        {
            json.WriteStartObject();
            json.WriteString("model"u8, model);
            json.WriteStartObject("content"u8);
            json.WriteStartArray("parts"u8);
            json.WriteStartObject();
            json.WriteString("text"u8, request.Inputs[i].Text);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            if (target.EmbeddingTaskType is { } taskType)
            {
                json.WriteString("taskType"u8, taskType);
            }
            if (request.Dimensions is { } dimensions)
            {
                json.WriteNumber("outputDimensionality"u8, dimensions);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        return body.WrittenMemory;
    }

    /// <summary>Finds each <c>embeddings[i].values</c> array; Gemini reports no tokens, so none.</summary>
    public static ProviderError? Locate(ReadOnlySpan<byte> answer, int expected, List<Range> vectors, out long? inputTokens)
    {
        inputTokens = null;
        try
        {
            var reader = new Utf8JsonReader(answer);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 3 && reader.ValueTextEquals("values"u8))
                {
                    EmbeddingBatches.AddVector(ref reader, vectors);
                }
            }
        }
        catch (JsonException)
        {
            return ProviderError.Invalid("an embeddings answer that is not JSON");
        }
        return vectors.Count == expected ? null : ProviderError.Invalid($"{vectors.Count} embeddings for {expected} texts");
    }
}
