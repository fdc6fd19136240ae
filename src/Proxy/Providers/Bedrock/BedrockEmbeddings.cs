using System.Buffers;
using System.Text.Json;
using LlmProxy.Canonical;
using LlmProxy.Config;

namespace LlmProxy.Providers.Bedrock;

/// <summary>
/// Bedrock's embeddings, through InvokeModel (<c>POST {baseUrl}/model/{modelId}/invoke</c>), in the body of the model's
/// family, told by its id (a cross-region prefix such as <c>us.</c> allowed):
/// <list type="bullet">
/// <item>Amazon Titan Text Embeddings (<c>amazon.titan-embed-text-*</c>,
/// https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html): one text a call,
/// <c>{"inputText","dimensions"}</c>, answered <c>{"embedding":[...],"inputTextTokenCount":N}</c>;</item>
/// <item>Cohere Embed (<c>cohere.embed-*</c>, https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html):
/// up to 96 texts a call, <c>{"texts":[...],"input_type","embedding_types":["float"]}</c> (<c>input_type</c> the
/// deployment's <c>embeddingTaskType</c>, else <c>search_document</c>; v4's <c>output_dimension</c> from <c>dimensions</c>,
/// which v3 models do not take), answered <c>{"embeddings":{"float":[[...],...]}}</c> (or, without embedding types, a bare
/// array of arrays) with no token counts.</item>
/// </list>
/// Text only: token ids have no form in either.
/// </summary>
internal static class BedrockEmbeddings
{
    public enum Family
    {
        None,
        Titan,
        Cohere,
    }

    public static Family FamilyOf(string modelId) =>
        modelId.Contains("amazon.titan-embed-text", StringComparison.Ordinal) ? Family.Titan
        : modelId.Contains("cohere.embed", StringComparison.Ordinal) ? Family.Cohere
        : Family.None;

    public static int PerCall(Family family) => family == Family.Titan ? 1 : 96;

    /// <summary>The client's 400 before anything is sent: a model that does not embed, or token ids; null when it can go.</summary>
    public static ProviderError? WhyNot(EmbeddingsRequest request, ProviderTarget target, ProviderConfig provider)
    {
        var family = FamilyOf(target.Model);
        if (family == Family.None)
        {
            return new ProviderError(ProviderErrorKind.Unsupported,
                $"model '{target.Model}' of provider '{provider.Name}' (type bedrock) has no embeddings the proxy speaks: Titan Text Embeddings (amazon.titan-embed-text-*) and Cohere Embed (cohere.embed-*) do.")
            {
                Status = 400,
                Param = "model",
            };
        }
        if (family == Family.Cohere && request.Dimensions is not null && !IsCohereV4(target.Model))
        {
            return new ProviderError(ProviderErrorKind.Unsupported,
                $"model '{target.Model}' of provider '{provider.Name}' (type bedrock) has one vector length: Cohere Embed v3 takes no dimensions.")
            {
                Status = 400,
                Param = "dimensions",
            };
        }
        return EmbeddingBatches.TextOnly(request, provider);
    }

    public static ReadOnlyMemory<byte> Body(EmbeddingsRequest request, int start, int count, ProviderTarget target)
    {
        var body = new ArrayBufferWriter<byte>(256 + count * 64);
        using var json = new Utf8JsonWriter(body, EmbeddingBatches.BodyOptions);
        json.WriteStartObject();
        if (FamilyOf(target.Model) == Family.Titan)
        {
            json.WriteString("inputText"u8, request.Inputs[start].Text);
            if (request.Dimensions is { } dimensions)
            {
                json.WriteNumber("dimensions"u8, dimensions);
            }
        }
        else
        {
            json.WriteStartArray("texts"u8);
            for (var i = start; i < start + count; i++)
            {
                json.WriteStringValue(request.Inputs[i].Text);
            }
            json.WriteEndArray();
            json.WriteString("input_type"u8, target.EmbeddingTaskType ?? "search_document");
            json.WriteStartArray("embedding_types"u8);
            json.WriteStringValue("float"u8);
            json.WriteEndArray();
            if (request.Dimensions is { } dimensions)
            {
                json.WriteNumber("output_dimension"u8, dimensions);
            }
        }
        json.WriteEndObject();
        json.Flush();
        return body.WrittenMemory;
    }

    // "cohere.embed-v4:0", "us.cohere.embed-v4:0": v4 takes output_dimension.
    private static bool IsCohereV4(string modelId) => modelId.Contains("cohere.embed-v4", StringComparison.Ordinal);

    /// <summary>Titan's <c>embedding</c> and <c>inputTextTokenCount</c>, or each of Cohere's <c>embeddings</c> (no tokens).</summary>
    public static ProviderError? Locate(ReadOnlySpan<byte> answer, int expected, List<Range> vectors, out long? inputTokens)
    {
        inputTokens = null;
        var cohere = false;
        try
        {
            var reader = new Utf8JsonReader(answer);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }
                if (reader.ValueTextEquals("embedding"u8))
                {
                    EmbeddingBatches.AddVector(ref reader, vectors);
                }
                else if (reader.ValueTextEquals("inputTextTokenCount"u8))
                {
                    reader.Read();
                    inputTokens = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var tokens) && tokens >= 0 ? tokens : null;
                }
                else if (reader.ValueTextEquals("embeddings"u8))
                {
                    cohere = true;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject && !FindFloats(ref reader))
                    {
                        return ProviderError.Invalid("Cohere embeddings by type without \"float\"");
                    }
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return ProviderError.Invalid("Cohere embeddings that are not an array of float arrays");
                    }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var start = (int)reader.TokenStartIndex; // one vector of the list
                        reader.Skip();
                        vectors.Add(start..(int)reader.BytesConsumed);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return ProviderError.Invalid("an embeddings answer that is not JSON");
        }
        if (cohere)
        {
            inputTokens = null;
        }

        // On "embeddings": {"float": [[...]], ...}: moves the reader to the float array's start; false when there is none.
        static bool FindFloats(ref Utf8JsonReader reader)
        {
            var depth = reader.CurrentDepth;
            while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1)
                {
                    var isFloat = reader.ValueTextEquals("float"u8);
                    reader.Read();
                    if (isFloat)
                    {
                        return true;
                    }
                    reader.Skip();
                }
            }
            return false;
        }
        return vectors.Count == expected ? null : ProviderError.Invalid($"{vectors.Count} embeddings for {expected} texts");
    }
}
